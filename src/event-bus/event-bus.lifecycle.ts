import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { EVENT_BUS_RESOLVED_OPTIONS, EVENT_BUS_TRANSPORT } from './event-bus.constants.js';
import { EventBusCore } from './event-bus.core.js';
import type { ResolvedEventBusOptions } from './event-bus.options.js';
import type { EventBusTransport } from './transports/event-bus-transport.interface.js';

/**
 * Starts the transport with the app and shuts the bus down in order: stop taking publishes,
 * stop reading, let running handlers finish up to `shutdownTimeoutMs`, then close connections.
 */
@Injectable()
export class EventBusLifecycle
  implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('EventBus');

  constructor(
    private readonly core: EventBusCore,
    @Inject(EVENT_BUS_TRANSPORT) private readonly transport: EventBusTransport,
    @Inject(EVENT_BUS_RESOLVED_OPTIONS) private readonly options: ResolvedEventBusOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.transport.start();
    this.core.metrics.addGauge(
      'event_bus_history_messages',
      'Messages currently kept in history, per channel',
      ['channel'],
      () =>
        Promise.all(
          this.core.registry.names().map(async (channel) => ({
            labels: { channel },
            value: await this.transport.retained(channel),
          })),
        ),
    );
  }

  onModuleDestroy(): void {
    this.core.accepting = false;
  }

  async beforeApplicationShutdown(): Promise<void> {
    const deadlineMs = this.options.shutdownTimeoutMs;
    const drained = Promise.all([this.transport.drain(deadlineMs), this.core.invoker.idle()]);
    const finished = await Promise.race([
      drained.then(() => true),
      sleep(deadlineMs, false, { ref: false }),
    ]);
    if (!finished) {
      this.logger.warn(`Handlers still running after ${deadlineMs} ms; shutting down anyway`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.core.dispatcher.close();
    await this.transport.close();
  }
}
