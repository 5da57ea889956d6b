/** Base class of every error the event bus raises on bad input. */
export abstract class EventBusException extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
