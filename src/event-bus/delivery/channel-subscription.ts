import { isAsyncFunction } from '../context/message-context.js';
import type { Envelope } from '../envelope/envelope.interface.js';
import type { DeliveryPolicy } from '../interfaces/delivery-policy.interface.js';
import type { MessageHandler, Subscription } from '../interfaces/subscription.interface.js';
import type { BusMetrics, ListenerChannelMetrics } from '../metrics/bus-metrics.js';

/** The dispatcher's record of one subscriber. */
export class ChannelSubscription implements Subscription {
  active = true;
  /** True when the handler is declared `async`, so its causation context must follow awaits. */
  readonly isAsync: boolean;
  private metricsChannel: string | undefined;
  private channelMetrics: ListenerChannelMetrics | undefined;
  private readonly otherChannelMetrics = new Map<string, ListenerChannelMetrics>();

  /**
   * @param channel the channel, pattern or `*` the subscriber asked for
   * @param channels the registered channels it receives; empty when it receives every channel
   * @param policy timeout, retries and dead letters of this subscriber
   */
  constructor(
    readonly channel: string,
    readonly channels: readonly string[],
    readonly name: string,
    readonly handler: MessageHandler<Envelope>,
    readonly policy: DeliveryPolicy,
    private readonly metrics: BusMetrics,
    private readonly onUnsubscribe: (subscription: ChannelSubscription) => void,
    isAsync = isAsyncFunction(handler),
  ) {
    this.isAsync = isAsync;
  }

  /** Returns true when the subscriber receives this channel. */
  accepts(channel: string): boolean {
    return this.channels.length === 0 || this.channels.includes(channel);
  }

  unsubscribe(): void {
    if (!this.active) {
      return;
    }
    this.active = false;
    this.onUnsubscribe(this);
  }

  /** Returns this subscriber's counters for a channel; the first channel seen is the fast path. */
  metricsFor(channel: string): ListenerChannelMetrics {
    if (channel === this.metricsChannel) {
      return this.channelMetrics as ListenerChannelMetrics;
    }
    if (this.metricsChannel === undefined) {
      this.metricsChannel = channel;
      this.channelMetrics = this.metrics.forListener(channel, this.name);
      return this.channelMetrics;
    }

    let metrics = this.otherChannelMetrics.get(channel);
    if (metrics === undefined) {
      metrics = this.metrics.forListener(channel, this.name);
      this.otherChannelMetrics.set(channel, metrics);
    }
    return metrics;
  }
}
