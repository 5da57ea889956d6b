/** How often and how fast a failed delivery is tried again. */
export interface RetryPolicy {
  /** Tries in all, the first included; 1 means no retry. */
  attempts: number;
  /** Delay before the first retry; it doubles with each retry, with jitter. @default 100 */
  baseMs?: number;
  /** Maximum delay between two tries. @default 5000 */
  maxMs?: number;
}

/** Per-listener delivery safety: a time limit, retries and dead letters. */
export interface DeliveryPolicy {
  /**
   * Time a handler's promise may take; past it the call counts as failed and the bus moves on,
   * while the handler itself keeps running. No limit when absent.
   */
  timeoutMs?: number;
  /** Retries of a failed delivery to this listener only; none when absent. */
  retry?: RetryPolicy;
  /**
   * Stores the message as a dead letter once every try failed (listed by
   * `GET /events/dead-letters`). Group listeners on Redis always do. @default false
   */
  deadLetter?: boolean;
}
