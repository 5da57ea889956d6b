import { EventBusException } from './event-bus.exception.js';

/** Raised when the transport cannot be reached, so a publish or query could not be carried out. */
export class TransportUnavailableException extends EventBusException {
  constructor(
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    super(
      `The event bus transport is unavailable, so ${operation} failed: ` +
        `${cause instanceof Error ? cause.message : String(cause)}. Retry once it is back.`,
    );
  }
}
