import { EventBusException } from './event-bus.exception.js';

/** Raised by a publish after the app began shutting down; the message was not stored. */
export class BusShuttingDownException extends EventBusException {
  constructor(readonly channel: string) {
    super(
      `The event bus is shutting down, so the message on "${channel}" was not published. ` +
        'Publish it again on another instance.',
    );
  }
}
