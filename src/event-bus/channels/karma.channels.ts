/** Channel of influence results computed by the karma feedback engine. */
export const KARMA_FEEDBACK = 'karma.feedback';

/** Channel of user lifecycle events: birth, death, role changes and the like. */
export const KARMA_LIFECYCLE = 'karma.lifecycle';

/** Channel of running aggregates published by the analytics listener. */
export const KARMA_ANALYTICS = 'karma.analytics';

/** The built-in channels, in the order they are listed by the REST API. */
export const KARMA_CHANNELS = [KARMA_FEEDBACK, KARMA_LIFECYCLE, KARMA_ANALYTICS] as const;

/** Bands of the 0 to 100 karma score, lowest first. */
export const KARMA_BANDS = ['very_low', 'low', 'neutral', 'high', 'very_high'] as const;

/** A band of the karma score. */
export type KarmaBand = (typeof KARMA_BANDS)[number];

/** Direction of a user's influence. */
export const INFLUENCE_SIGNALS = ['negative', 'neutral', 'positive'] as const;

/** The direction of a user's influence. */
export type InfluenceSignal = (typeof INFLUENCE_SIGNALS)[number];

/** Lifecycle events a user can go through. */
export const LIFECYCLE_EVENTS = [
  'birth',
  'death',
  'rebirth',
  'role_change',
  'suspension',
  'reinstatement',
] as const;

/** A lifecycle event type. */
export type LifecycleEventType = (typeof LIFECYCLE_EVENTS)[number];

/** Payload of `karma.feedback`: one influence computation. */
export interface KarmaFeedbackPayload {
  user_id: string;
  /** Bounded score from 0 to 100; 50 is neutral. */
  score: number;
  /** Influence from -1 to 1, the tanh of the decayed action sum. */
  influence: number;
  signal: InfluenceSignal;
  band: KarmaBand;
  /** Actions that entered the computation. */
  action_count: number;
  /** The instant the decay was computed for, in ISO 8601 UTC. */
  as_of: string;
}

/** Payload of `karma.lifecycle`: one event in a user's life. */
export interface KarmaLifecyclePayload {
  user_id: string;
  event: LifecycleEventType;
  /** The user's role after the event; required for `role_change`. */
  role?: string;
  /** The user's role before a `role_change`. */
  previous_role?: string;
  reason?: string;
  /** When the event happened, in ISO 8601 UTC. */
  occurred_at: string;
}

/** Payload of `karma.analytics`: a snapshot of the running aggregates. */
export interface KarmaAnalyticsPayload {
  feedback_count: number;
  lifecycle_count: number;
  users_seen: number;
  /** Mean of every feedback score seen, or null before the first one. */
  average_score: number | null;
  by_band: Record<KarmaBand, number>;
  by_lifecycle_event: Record<LifecycleEventType, number>;
  /** The message whose handling produced this snapshot. */
  trigger_message_id: string;
}
