import type { Envelope } from '../envelope/envelope.interface.js';

/** A value a filtered field must equal. */
export type FilterValue = string | number | boolean | null;

/**
 * Selects messages by channel and by field equality; every condition given must hold.
 *
 * The same form is accepted by `subscribe()`, `@OnChannel`, `history()` and, as query
 * parameters, by `GET /events/history` and `GET /events/stream`.
 */
export interface MessageFilter {
  /**
   * Channel names or patterns in which `*` stands for one segment, such as `karma.*`; a message
   * matches when its channel matches any of them. Every channel when absent.
   */
  channels?: readonly string[];
  /**
   * Payload fields and the values they must equal; a dotted path such as `user.id` reaches a
   * nested field. A string value also matches a number or boolean with the same text, because
   * query strings carry text only.
   */
  payload?: Readonly<Record<string, FilterValue>>;
  /** Metadata fields and the values they must equal, compared like `payload`. */
  metadata?: Readonly<Record<string, FilterValue>>;
  /** A predicate for conditions equality cannot express; code only. */
  where?: (envelope: Envelope) => boolean;
}
