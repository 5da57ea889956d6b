import {
  KARMA_BANDS,
  LIFECYCLE_EVENTS,
  type KarmaAnalyticsPayload,
  type KarmaFeedbackPayload,
  type KarmaLifecyclePayload,
} from '../../event-bus/index.js';

/** Running totals over every feedback and lifecycle message seen. */
export class KarmaAnalyticsAggregates {
  private feedbackCount = 0;
  private lifecycleCount = 0;
  private scoreSum = 0;
  private readonly users = new Set<string>();
  private readonly byBand = zeroCounts(KARMA_BANDS);
  private readonly byLifecycleEvent = zeroCounts(LIFECYCLE_EVENTS);

  addFeedback(payload: Readonly<KarmaFeedbackPayload>): void {
    this.feedbackCount++;
    this.scoreSum += payload.score;
    this.byBand[payload.band]++;
    this.users.add(payload.user_id);
  }

  addLifecycle(payload: Readonly<KarmaLifecyclePayload>): void {
    this.lifecycleCount++;
    this.byLifecycleEvent[payload.event]++;
    this.users.add(payload.user_id);
  }

  /** Returns a copy of the totals as a `karma.analytics` payload. */
  snapshot(triggerMessageId: string): KarmaAnalyticsPayload {
    const averageScore =
      this.feedbackCount === 0
        ? null
        : Math.round((this.scoreSum / this.feedbackCount) * 100) / 100;
    return {
      feedback_count: this.feedbackCount,
      lifecycle_count: this.lifecycleCount,
      users_seen: this.users.size,
      average_score: averageScore,
      by_band: { ...this.byBand },
      by_lifecycle_event: { ...this.byLifecycleEvent },
      trigger_message_id: triggerMessageId,
    };
  }
}

function zeroCounts<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
}
