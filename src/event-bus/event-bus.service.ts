import { Inject, Injectable } from '@nestjs/common';
import type { ChannelRegistry } from './channels/channel.registry.js';
import type {
  AnyChannelEnvelope,
  ChannelEnvelope,
  ChannelMapOf,
  ChannelName,
  ChannelPattern,
  EventBusChannels,
  PayloadOf,
} from './channels/channel-map.interface.js';
import { BusShuttingDownException } from './exceptions/bus-shutting-down.exception.js';
import type { MessageFilter } from './filtering/message-filter.interface.js';
import { readFilteredHistory } from './history/filtered-history.reader.js';
import { readTrace } from './history/trace.reader.js';
import type { MessageTrace } from './interfaces/message-trace.interface.js';
import {
  KARMA_ANALYTICS,
  KARMA_FEEDBACK,
  KARMA_LIFECYCLE,
  type KarmaAnalyticsPayload,
  type KarmaFeedbackPayload,
  type KarmaLifecyclePayload,
} from './channels/karma.channels.js';
import type { ChannelDispatcher } from './delivery/channel.dispatcher.js';
import { SubscriptionBuilder } from './delivery/subscription.builder.js';
import type { ListenerFailureReporter } from './delivery/listener-failure.reporter.js';
import type { Envelope, EnvelopeMetadata } from './envelope/envelope.interface.js';
import type { EnvelopeFactory } from './envelope/envelope.factory.js';
import { EVENT_BUS_TRANSPORT } from './event-bus.constants.js';
import { EventBusCore } from './event-bus.core.js';
import { resolveHistoryQuery, resolveLimit } from './history/history-query.resolver.js';
import { DeadLetterNotFoundException } from './exceptions/dead-letter-not-found.exception.js';
import type { DeadLetterPage, DeadLetterQuery } from './interfaces/dead-letter.interface.js';
import type { ChannelInfo, EventBusStatus } from './interfaces/channel-info.interface.js';
import type { HistoryPage, HistoryQuery } from './interfaces/history-query.interface.js';
import type {
  MessageHandler,
  SubscribeOptions,
  Subscription,
} from './interfaces/subscription.interface.js';
import type { EventBusTransport } from './transports/event-bus-transport.interface.js';

/**
 * Publishes messages on channels, delivers them to subscribers and serves recent history.
 *
 * The type parameter is the channel map that types `publish` and `subscribe`; it defaults to
 * `EventBusChannels`, which applications extend by declaration merging.
 */
@Injectable()
export class EventBusService<M extends object = EventBusChannels> {
  private readonly registry: ChannelRegistry;
  private readonly factory: EnvelopeFactory;
  private readonly dispatcher: ChannelDispatcher;
  private readonly failures: ListenerFailureReporter;
  private readonly subscriptions: SubscriptionBuilder;

  constructor(
    private readonly core: EventBusCore,
    @Inject(EVENT_BUS_TRANSPORT) private readonly transport: EventBusTransport,
  ) {
    ({
      registry: this.registry,
      factory: this.factory,
      dispatcher: this.dispatcher,
      failures: this.failures,
    } = core);
    this.subscriptions = new SubscriptionBuilder(
      this.registry,
      this.dispatcher,
      transport,
      core.context,
    );
    transport.attach((envelope) => this.dispatcher.dispatch(envelope));
    core.invoker.setDeadLetterSink((letter) => transport.addDeadLetter(letter));
  }

  /**
   * Validates a payload, wraps it in a frozen envelope, stores it in history and delivers it.
   *
   * In memory, the returned promise resolves once every local subscriber has been called; when
   * the message is queued instead (published inside a handler, or before the app finished
   * bootstrapping) it resolves once queued. On Redis it resolves once Redis stored the message;
   * subscribers receive it from the stream afterwards. A failing subscriber never rejects it.
   * @throws UnknownChannelException (as a rejection) when the channel is not registered
   * @throws InvalidPayloadException (as a rejection) naming the first invalid field
   * @throws BusShuttingDownException (as a rejection) once the app is shutting down
   * @throws TransportUnavailableException (as a rejection) when Redis cannot be reached
   */
  publish<C extends ChannelName<ChannelMapOf<M>>>(
    channel: C,
    payload: PayloadOf<ChannelMapOf<M>, C>,
    metadata?: EnvelopeMetadata,
  ): Promise<Envelope<C, ChannelMapOf<M>[C]>> {
    let envelope: Envelope;
    try {
      envelope = this.factory.create(channel, payload, this.core.context.complete(metadata));
    } catch (error) {
      return Promise.reject(error);
    }
    if (!this.core.accepting) {
      return Promise.reject(new BusShuttingDownException(channel));
    }

    this.core.metrics.published(channel);
    const stored = this.transport.publish(envelope);
    const typed = envelope as Envelope<C, ChannelMapOf<M>[C]>;
    return stored === undefined ? Promise.resolve(typed) : stored.then(() => typed);
  }

  /**
   * Calls a handler with every later message of a channel, or of the channels a pattern such as
   * `karma.*` selects, until unsubscribed. `options.filter` narrows it to matching messages.
   * @throws UnknownChannelException when the channel is not registered
   * @throws InvalidFilterException when a pattern selects no channel or the filter is malformed
   */
  subscribe<C extends ChannelName<ChannelMapOf<M>>>(
    channel: C,
    handler: MessageHandler<Envelope<C, ChannelMapOf<M>[C]>>,
    options?: SubscribeOptions,
  ): Subscription;
  subscribe(
    pattern: ChannelPattern,
    handler: MessageHandler<AnyChannelEnvelope<ChannelMapOf<M>>>,
    options?: SubscribeOptions,
  ): Subscription;
  subscribe(channel: string, handler: MessageHandler<never>, options: SubscribeOptions = {}) {
    return this.subscriptions.channel(channel, handler as MessageHandler, options);
  }

  /**
   * Calls a handler with every later message that matches a filter, across the channels it
   * selects, until unsubscribed. Streams to browsers use this.
   * @throws InvalidFilterException naming the filter part at fault
   */
  subscribeMatching(
    filter: MessageFilter,
    handler: MessageHandler<AnyChannelEnvelope<ChannelMapOf<M>>>,
    options: Pick<SubscribeOptions, 'name'> = {},
  ): Subscription {
    return this.subscriptions.matching(filter, handler as MessageHandler, options);
  }

  /**
   * Calls a handler with every later message of every channel until unsubscribed, with the
   * same filter and delivery options as `subscribe()` (consumer groups need a channel).
   */
  subscribeAll(
    handler: MessageHandler,
    options: Omit<SubscribeOptions, 'group'> = {},
  ): Subscription {
    return this.subscriptions.everyChannel(handler, options);
  }

  /**
   * Reads one page of recent messages, optionally filtered.
   * @throws InvalidHistoryQueryException (as a rejection) naming the parameter at fault
   * @throws InvalidFilterException (as a rejection) naming the filter part at fault
   */
  async history(query: HistoryQuery = {}): Promise<HistoryPage> {
    const resolved = resolveHistoryQuery(query, this.registry.names());
    return resolved.filter === undefined
      ? this.transport.history(resolved)
      : readFilteredHistory(this.transport, resolved, resolved.filter);
  }

  /** Returns one message from history, or undefined when it is not (or no longer) there. */
  message(messageId: string): Promise<Envelope | undefined> {
    return this.transport.message(messageId);
  }

  /**
   * Returns a message and, recursively, the messages it caused that are still in history, or
   * undefined when the message itself is not in history.
   */
  async trace(messageId: string): Promise<MessageTrace | undefined> {
    const root = await this.transport.message(messageId);
    return root === undefined ? undefined : readTrace(root, (query) => this.history(query));
  }

  /** Lists every registered channel with its counters. */
  async channels(): Promise<ChannelInfo[]> {
    const names = this.registry.names();
    return Promise.all(
      names.map(async (name) => ({
        name,
        description: this.registry.get(name).description ?? null,
        published: this.core.metrics.publishedCount(name),
        in_history: await this.transport.retained(name),
        subscribers:
          this.dispatcher.subscriberCount(name) + (this.transport.groupListenerCount?.(name) ?? 0),
        failed: this.failures.failures(name),
      })),
    );
  }

  /**
   * Lists dead letters, newest first.
   * @throws InvalidHistoryQueryException (as a rejection) when `limit` is out of range
   */
  async deadLetters(query: DeadLetterQuery = {}): Promise<DeadLetterPage> {
    const limit = resolveLimit(query.limit);
    return this.transport.deadLetters(limit, query.before);
  }

  /**
   * Publishes a dead letter's message again on its channel, as a new message caused by the old
   * one, then deletes the dead letter. If the publish fails, the dead letter stays.
   * @throws DeadLetterNotFoundException (as a rejection) when there is no such dead letter
   */
  async republishDeadLetter(id: string): Promise<Envelope> {
    const letter = await this.transport.deadLetter(id);
    if (letter === undefined) {
      throw new DeadLetterNotFoundException(id);
    }

    const original = letter.envelope;
    const untyped = this as unknown as EventBusService<Record<string, unknown>>;
    const envelope = await untyped.publish(original.channel, original.payload, {
      ...original.metadata,
      causation_id: original.message_id,
    });
    await this.transport.deleteDeadLetter(id);
    return envelope;
  }

  /** Resolves once every handler promise, retry and dead-letter write has settled. */
  idle(): Promise<void> {
    return this.core.invoker.idle();
  }

  /** Reports whether the bus can take and deliver messages, for readiness probes. */
  async status(): Promise<EventBusStatus> {
    return {
      transport: this.transport.kind,
      listenersBound: this.dispatcher.isOpen,
      transportReachable: await this.transport.isReachable(),
      accepting: this.core.accepting,
    };
  }

  /** Renders the bus's Prometheus metrics in the text format. */
  metrics(): Promise<string> {
    return this.core.metrics.render();
  }

  /** Publishes on `karma.feedback`. */
  publishFeedback(payload: KarmaFeedbackPayload, metadata?: EnvelopeMetadata) {
    return this.withBuiltInChannels().publish(KARMA_FEEDBACK, payload, metadata);
  }

  /** Subscribes to `karma.feedback`. */
  onFeedback(
    handler: MessageHandler<ChannelEnvelope<typeof KARMA_FEEDBACK>>,
    options?: SubscribeOptions,
  ) {
    return this.withBuiltInChannels().subscribe(KARMA_FEEDBACK, handler, options);
  }

  /** Publishes on `karma.lifecycle`. */
  publishLifecycle(payload: KarmaLifecyclePayload, metadata?: EnvelopeMetadata) {
    return this.withBuiltInChannels().publish(KARMA_LIFECYCLE, payload, metadata);
  }

  /** Subscribes to `karma.lifecycle`. */
  onLifecycle(
    handler: MessageHandler<ChannelEnvelope<typeof KARMA_LIFECYCLE>>,
    options?: SubscribeOptions,
  ) {
    return this.withBuiltInChannels().subscribe(KARMA_LIFECYCLE, handler, options);
  }

  /** Publishes on `karma.analytics`. */
  publishAnalytics(payload: KarmaAnalyticsPayload, metadata?: EnvelopeMetadata) {
    return this.withBuiltInChannels().publish(KARMA_ANALYTICS, payload, metadata);
  }

  /** Subscribes to `karma.analytics`. */
  onAnalytics(
    handler: MessageHandler<ChannelEnvelope<typeof KARMA_ANALYTICS>>,
    options?: SubscribeOptions,
  ) {
    return this.withBuiltInChannels().subscribe(KARMA_ANALYTICS, handler, options);
  }

  /** This bus typed with the built-in channel map, for the karma convenience methods. */
  private withBuiltInChannels(): EventBusService<EventBusChannels> {
    return this as unknown as EventBusService<EventBusChannels>;
  }
}
