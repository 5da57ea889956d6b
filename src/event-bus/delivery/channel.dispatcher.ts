import type { EventEmitter2 } from '@nestjs/event-emitter';
import type { Envelope } from '../envelope/envelope.interface.js';
import type { DeliveryPolicy } from '../interfaces/delivery-policy.interface.js';
import type { MessageHandler } from '../interfaces/subscription.interface.js';
import type { BusMetrics } from '../metrics/bus-metrics.js';
import { isAsyncFunction } from '../context/message-context.js';
import { ChannelSubscription } from './channel-subscription.js';
import type { HandlerInvoker } from './handler.invoker.js';

/** Channel name of subscriptions that receive every channel. */
export const ALL_CHANNELS = '*';

type EmitterListener = (envelope: Envelope) => void;

/**
 * Delivers messages to subscribers in publish order, through EventEmitter2.
 *
 * Delivery is synchronous and queued: a message published from inside a handler is appended to
 * the queue and delivered after the current message has reached every subscriber, so each
 * subscriber receives a channel's messages in publish order and ping-pong between handlers cannot
 * overflow the stack. Until `open()` is called, messages wait in the queue; after `close()`
 * they are dropped.
 */
export class ChannelDispatcher {
  private queue: (Envelope | undefined)[] = [];
  private head = 0;
  private draining = false;
  private state: 'waiting' | 'open' | 'closed' = 'waiting';
  private wideSubscriptions: readonly ChannelSubscription[] = [];
  private readonly listeners = new WeakMap<ChannelSubscription, EmitterListener>();

  constructor(
    private readonly emitter: EventEmitter2,
    private readonly invoker: HandlerInvoker,
    private readonly metrics: BusMetrics,
  ) {}

  /** Queues a message and delivers the queue unless delivery is in progress or not yet open. */
  dispatch(envelope: Envelope): void {
    if (this.state === 'closed') {
      return;
    }
    this.queue.push(envelope);
    if (this.state === 'open' && !this.draining) {
      this.drain();
    }
  }

  /** Starts delivery, first of the messages queued while waiting. */
  open(): void {
    if (this.state !== 'waiting') {
      return;
    }
    this.state = 'open';
    if (!this.draining) {
      this.drain();
    }
  }

  /** Stops delivery for good; queued and later messages are dropped. */
  close(): void {
    this.state = 'closed';
    this.queue = [];
    this.head = 0;
  }

  /**
   * Adds a subscriber.
   * @param channel the channel, pattern or `*` (every channel) asked for, as shown in logs
   * @param handler the function called with each message
   * @param name the listener name in logs and metrics
   * @param channels the registered channels a pattern selects; the channel itself by default
   * @param policy timeout, retries and dead letters of this subscriber
   */
  subscribe(
    channel: string,
    handler: MessageHandler,
    name: string,
    channels: readonly string[] = [channel],
    policy: DeliveryPolicy = {},
    isAsync = isAsyncFunction(handler),
  ): ChannelSubscription {
    const everyChannel = channel === ALL_CHANNELS;
    const subscription = new ChannelSubscription(
      channel,
      everyChannel ? [] : channels,
      name,
      handler,
      policy,
      this.metrics,
      (closed) => this.remove(closed),
      isAsync,
    );

    if (everyChannel) {
      this.wideSubscriptions = [...this.wideSubscriptions, subscription];
      return subscription;
    }

    const listener: EmitterListener = (envelope) => this.invoker.invoke(subscription, envelope);
    this.listeners.set(subscription, listener);
    for (const subscribed of subscription.channels) {
      this.emitter.on(subscribed, listener);
    }
    return subscription;
  }

  /** True while messages are being delivered: after `open()` and before `close()`. */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  /**
   * Adds a subscriber to several channels (every channel when `channels` is empty) that is
   * kept in the bus's own list rather than as EventEmitter2 listeners. Streams use it, so that
   * hundreds of clients never reach EventEmitter2's per-channel listener limit.
   */
  subscribeWide(
    label: string,
    handler: MessageHandler,
    name: string,
    channels: readonly string[],
  ): ChannelSubscription {
    const subscription = new ChannelSubscription(
      label,
      channels,
      name,
      handler,
      {},
      this.metrics,
      (closed) => this.remove(closed),
    );
    this.wideSubscriptions = [...this.wideSubscriptions, subscription];
    return subscription;
  }

  /** Subscriptions that receive a channel: its own plus the wide ones that include it. */
  subscriberCount(channel: string): number {
    const wide = this.wideSubscriptions.filter((subscription) => subscription.accepts(channel));
    return this.emitter.listenerCount(channel) + wide.length;
  }

  private remove(subscription: ChannelSubscription): void {
    const listener = this.listeners.get(subscription);
    if (listener === undefined) {
      this.wideSubscriptions = this.wideSubscriptions.filter(
        (candidate) => candidate !== subscription,
      );
      return;
    }

    subscription.channels.forEach((channel) => this.emitter.off(channel, listener));
    this.listeners.delete(subscription);
  }

  private drain(): void {
    this.draining = true;
    try {
      while (this.head < this.queue.length && this.state === 'open') {
        const envelope = this.queue[this.head] as Envelope;
        this.queue[this.head++] = undefined;
        this.deliver(envelope);
      }
    } finally {
      this.queue.length = 0;
      this.head = 0;
      this.draining = false;
    }
  }

  private deliver(envelope: Envelope): void {
    // Both subscriber lists are taken before any handler runs: a subscriber added meanwhile
    // waits for the next message, and one removed meanwhile is skipped by its inactive flag.
    const wide = this.wideSubscriptions;
    this.emitter.emit(envelope.channel, envelope);
    for (let i = 0; i < wide.length; i++) {
      if (wide[i].accepts(envelope.channel)) {
        this.invoker.invoke(wide[i], envelope);
      }
    }
  }
}
