import type { EventEmitter2 } from '@nestjs/event-emitter';
import type { Envelope } from '../envelope/envelope.interface.js';
import type { MessageHandler } from '../interfaces/subscription.interface.js';
import { ChannelSubscription } from './channel-subscription.js';
import type { ListenerFailureReporter } from './listener-failure.reporter.js';

/** Channel name of subscriptions that receive every channel. */
export const ALL_CHANNELS = '*';

type EmitterListener = (envelope: Envelope) => void;

/**
 * Delivers messages to subscribers in publish order, through EventEmitter2.
 *
 * Delivery is synchronous and queued: a message published from inside a handler is appended to
 * the queue and delivered after the current message has reached every subscriber, so each
 * subscriber sees a channel's messages in publish order and ping-pong between handlers cannot
 * overflow the stack. Until `open()` is called, messages wait in the queue.
 */
export class ChannelDispatcher {
  private queue: (Envelope | undefined)[] = [];
  private head = 0;
  private draining = false;
  private isOpen = false;
  private allChannelSubscriptions: readonly ChannelSubscription[] = [];
  private readonly listeners = new WeakMap<ChannelSubscription, EmitterListener>();
  private pendingHandlers = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly emitter: EventEmitter2,
    private readonly failures: ListenerFailureReporter,
  ) {}

  /** Queues a message and delivers the queue unless delivery is in progress or not yet open. */
  dispatch(envelope: Envelope): void {
    this.queue.push(envelope);
    if (this.isOpen && !this.draining) {
      this.drain();
    }
  }

  /** Starts delivery, first of the messages queued while closed. */
  open(): void {
    this.isOpen = true;
    if (!this.draining) {
      this.drain();
    }
  }

  /** Stops delivery; messages dispatched afterwards are dropped. */
  close(): void {
    this.isOpen = false;
    this.queue = [];
    this.head = 0;
  }

  /**
   * Adds a subscriber.
   * @param channel the channel, pattern or `*` (every channel) asked for, as shown in logs
   * @param handler the function called with each message
   * @param name the listener name in failure logs
   * @param channels the registered channels a pattern selects; the channel itself by default
   */
  subscribe(
    channel: string,
    handler: MessageHandler,
    name: string,
    channels: readonly string[] = [channel],
  ): ChannelSubscription {
    const everyChannel = channel === ALL_CHANNELS;
    const subscription = new ChannelSubscription(
      channel,
      everyChannel ? [] : channels,
      name,
      handler,
      (closed) => this.remove(closed),
    );

    if (everyChannel) {
      this.allChannelSubscriptions = [...this.allChannelSubscriptions, subscription];
      return subscription;
    }

    const listener: EmitterListener = (envelope) => this.invoke(subscription, envelope);
    this.listeners.set(subscription, listener);
    for (const subscribed of subscription.channels) {
      this.emitter.on(subscribed, listener);
    }
    return subscription;
  }

  /** Subscriptions that receive a channel: its own plus those to every channel. */
  subscriberCount(channel: string): number {
    return this.emitter.listenerCount(channel) + this.allChannelSubscriptions.length;
  }

  /** Resolves once no promise returned by a handler is pending. */
  idle(): Promise<void> {
    if (this.pendingHandlers === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private remove(subscription: ChannelSubscription): void {
    if (subscription.channel === ALL_CHANNELS) {
      this.allChannelSubscriptions = this.allChannelSubscriptions.filter(
        (candidate) => candidate !== subscription,
      );
      return;
    }

    const listener = this.listeners.get(subscription);
    if (listener !== undefined) {
      subscription.channels.forEach((channel) => this.emitter.off(channel, listener));
      this.listeners.delete(subscription);
    }
  }

  private drain(): void {
    this.draining = true;
    try {
      while (this.head < this.queue.length && this.isOpen) {
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
    this.emitter.emit(envelope.channel, envelope);

    // Iterating the array taken before delivery means a subscriber added meanwhile waits for the
    // next message; one removed meanwhile is skipped by its inactive flag.
    const everyChannel = this.allChannelSubscriptions;
    for (let i = 0; i < everyChannel.length; i++) {
      this.invoke(everyChannel[i], envelope);
    }
  }

  private invoke(subscription: ChannelSubscription, envelope: Envelope): void {
    if (!subscription.active) {
      return;
    }

    let result: unknown;
    try {
      result = subscription.handler(envelope);
    } catch (error) {
      this.failures.report(subscription.name, envelope, error);
      return;
    }

    if (isThenable(result)) {
      this.pendingHandlers++;
      result.then(
        () => this.settle(),
        (error: unknown) => {
          this.failures.report(subscription.name, envelope, error);
          this.settle();
        },
      );
    }
  }

  private settle(): void {
    this.pendingHandlers--;
    if (this.pendingHandlers === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((resolve) => resolve());
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
