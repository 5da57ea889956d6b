import type { Envelope } from '../envelope/envelope.interface.js';

/**
 * A message and the messages it caused (their `metadata.causation_id` is its id), recursively.
 * `M` is the form of each message: an envelope, or a CloudEvent over HTTP with `format`.
 */
export interface MessageTrace<M = Envelope> {
  message: M;
  caused: MessageTrace<M>[];
}
