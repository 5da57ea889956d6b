import { randomUUID } from 'node:crypto';
import type {
  KarmaAnalyticsPayload,
  KarmaFeedbackPayload,
  KarmaLifecyclePayload,
} from '../../src/event-bus/index.js';

/** Builds a valid `karma.feedback` payload for a user. */
export function feedbackPayload(userId: string, score = 71.52): KarmaFeedbackPayload {
  return {
    user_id: userId,
    score,
    influence: 0.4304,
    signal: 'positive',
    band: 'high',
    action_count: 3,
    as_of: '2026-12-01T12:00:00.000Z',
  };
}

/** Builds a valid `karma.lifecycle` birth payload for a user. */
export function lifecyclePayload(userId: string): KarmaLifecyclePayload {
  return { user_id: userId, event: 'birth', occurred_at: '2026-12-01T12:00:00.000Z' };
}

/**
 * Builds a valid `karma.analytics` payload whose `feedback_count` is `n`. No listener of the service
 * reacts to `karma.analytics`, so publishing one adds exactly one message.
 */
export function analyticsPayload(n: number): KarmaAnalyticsPayload {
  return {
    feedback_count: n,
    lifecycle_count: 0,
    users_seen: 0,
    average_score: null,
    by_band: { very_low: 0, low: 0, neutral: 0, high: 0, very_high: 0 },
    by_lifecycle_event: {
      birth: 0,
      death: 0,
      rebirth: 0,
      role_change: 0,
      suspension: 0,
      reinstatement: 0,
    },
    trigger_message_id: randomUUID(),
  };
}
