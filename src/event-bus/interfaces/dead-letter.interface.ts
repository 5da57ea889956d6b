import type { Envelope } from '../envelope/envelope.interface.js';

/** A message that failed every delivery to a listener and was set aside. */
export interface DeadLetter {
  /** Id of the dead letter, used to page and to re-publish it. */
  dead_letter_id: string;
  envelope: Envelope;
  /** The last error message of the listener. */
  error: string;
  /** The listener that failed, such as `KarmaAnalyticsListener.onFeedback`. */
  listener: string;
  /** The consumer group of the listener, or null for a plain listener. */
  group: string | null;
  /** Deliveries made before the message was set aside. */
  attempts: number;
  /** When the message was set aside, in ISO 8601 UTC. */
  failed_at: string;
}

/** A dead letter before it is stored, without its id. */
export type NewDeadLetter = Omit<DeadLetter, 'dead_letter_id'>;

/** Query of `GET /events/dead-letters`: newest first. */
export interface DeadLetterQuery {
  /** Items per page, from 1 to 1000. @default 50 */
  limit?: number;
  /** Only dead letters older than this `dead_letter_id`. */
  before?: string;
}

/** One page of dead letters; pass `next_cursor` as `before` for the next page. */
export interface DeadLetterPage {
  items: DeadLetter[];
  next_cursor: string | null;
}
