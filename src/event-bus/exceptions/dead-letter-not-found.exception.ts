import { EventBusException } from './event-bus.exception.js';

/** Raised when a dead letter to re-publish does not exist (any more). */
export class DeadLetterNotFoundException extends EventBusException {
  constructor(readonly deadLetterId: string) {
    super(
      `Dead letter "${deadLetterId}" was not found; list current ones with GET /events/dead-letters.`,
    );
  }
}
