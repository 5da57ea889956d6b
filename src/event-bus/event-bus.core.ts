import type { EventEmitter2 } from '@nestjs/event-emitter';
import { ChannelRegistry } from './channels/channel.registry.js';
import { KARMA_CHANNEL_DEFINITIONS } from './channels/karma-channel.definitions.js';
import { ChannelDispatcher } from './delivery/channel.dispatcher.js';
import { MessageContext } from './context/message-context.js';
import { HandlerInvoker } from './delivery/handler.invoker.js';
import { ListenerFailureReporter } from './delivery/listener-failure.reporter.js';
import type { LogFormat } from './logging/log-entry.js';
import { BusMetrics } from './metrics/bus-metrics.js';
import { EnvelopeFactory } from './envelope/envelope.factory.js';
import type { ResolvedEventBusOptions } from './event-bus.options.js';
import { EVENT_BUS_SCHEMA_ID } from './validation/event-bus-schema.js';
import { PayloadValidator } from './validation/payload-validator.js';

/** The parts of one bus that do not depend on the transport, built once per module instance. */
export class EventBusCore {
  readonly registry: ChannelRegistry;
  readonly factory: EnvelopeFactory;
  readonly failures: ListenerFailureReporter;
  readonly metrics = new BusMetrics();
  readonly context = new MessageContext();
  readonly invoker: HandlerInvoker;
  readonly dispatcher: ChannelDispatcher;
  /** Format of the bus's log lines. */
  readonly logFormat: LogFormat;
  /** False once the app began shutting down: publishes are then rejected. */
  accepting = true;

  constructor(options: ResolvedEventBusOptions, emitter: EventEmitter2) {
    this.logFormat = options.logFormat;
    this.failures = new ListenerFailureReporter(options.logFormat);
    this.invoker = new HandlerInvoker(this.failures, this.context);
    const validator = new PayloadValidator();
    this.registry = new ChannelRegistry(
      [...KARMA_CHANNEL_DEFINITIONS, ...options.channels],
      validator,
    );

    const checkMetadata = validator.compile({ $ref: `${EVENT_BUS_SCHEMA_ID}#/$defs/metadata` });
    this.factory = new EnvelopeFactory(
      this.registry,
      checkMetadata,
      options.maxPayloadDepth,
      options.maxPayloadKeys,
    );
    this.dispatcher = new ChannelDispatcher(emitter, this.invoker, this.metrics);
  }
}
