import type { Envelope } from '../envelope/envelope.interface.js';

/** A message and the messages it caused (their `metadata.causation_id` is its id), recursively. */
export interface MessageTrace {
  message: Envelope;
  caused: MessageTrace[];
}
