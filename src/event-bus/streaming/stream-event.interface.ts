import type { Envelope } from '../envelope/envelope.interface.js';

/** Reason a stream could not resume from the position the client gave. */
export type GapReason = 'invalid_last_event_id' | 'unknown_last_event_id';

/**
 * Content of the `gap` event a stream sends first when it cannot resume where the client asked:
 * the id is not a message id, or the message is no longer in history. Live messages follow;
 * messages between the client's position and now may be missing.
 */
export interface StreamGap {
  reason: GapReason;
  last_event_id: string;
}

/** One event of a live stream, before it is framed for SSE or WebSocket. */
export type StreamEvent =
  { kind: 'message'; envelope: Envelope } | { kind: 'gap'; gap: StreamGap } | { kind: 'shutdown' };

/** Destination of a stream session; `send` returns false when the client cannot keep up. */
export interface StreamSink {
  send(event: StreamEvent): boolean;
  /** Ends the stream because the client fell too far behind. */
  overflow(): void;
}
