import { Injectable } from '@nestjs/common';
import {
  EventBusService,
  KARMA_FEEDBACK,
  KARMA_LIFECYCLE,
  OnChannel,
  type ChannelEnvelope,
  type Envelope,
  type KarmaAnalyticsPayload,
} from '../../event-bus/index.js';
import { KarmaAnalyticsAggregates } from './karma-analytics.aggregates.js';

/** Consumer group of the analytics listener: across instances, each message is counted once. */
export const ANALYTICS_GROUP = 'karma-analytics';

/**
 * Keeps running aggregates of feedback and lifecycle messages and publishes a `karma.analytics`
 * summary after each one, caused by the message that changed the totals.
 *
 * With several instances on Redis, the listeners form one consumer group, so each instance's
 * totals cover the messages it handled and the totals of all instances add up to every message.
 */
@Injectable()
export class KarmaAnalyticsListener {
  private readonly aggregates = new KarmaAnalyticsAggregates();
  private latest: KarmaAnalyticsPayload | undefined;

  constructor(private readonly bus: EventBusService) {}

  @OnChannel(KARMA_FEEDBACK, { group: ANALYTICS_GROUP })
  async onFeedback(message: ChannelEnvelope<'karma.feedback'>): Promise<void> {
    this.aggregates.addFeedback(message.payload);
    await this.publishSummary(message);
  }

  @OnChannel(KARMA_LIFECYCLE, { group: ANALYTICS_GROUP })
  async onLifecycle(message: ChannelEnvelope<'karma.lifecycle'>): Promise<void> {
    this.aggregates.addLifecycle(message.payload);
    await this.publishSummary(message);
  }

  /** Returns the totals as of the last message handled. */
  current(): KarmaAnalyticsPayload | null {
    return this.latest ?? null;
  }

  private async publishSummary(cause: Envelope): Promise<void> {
    const summary = this.aggregates.snapshot(cause.message_id);
    this.latest = summary;
    // The bus adds causation_id and correlation_id from the message being handled.
    await this.bus.publishAnalytics(summary, { source: 'karma-analytics' });
  }
}
