import { EventBusException } from './event-bus.exception.js';

/** Raised when a payload or its metadata fails validation; nothing is delivered or stored. */
export class InvalidPayloadException extends EventBusException {
  /**
   * @param channel the channel the message was published on
   * @param field the path of the invalid value, such as `payload.score` or `metadata.source`
   * @param reason what is wrong with the value and what is allowed
   */
  constructor(
    readonly channel: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`Invalid message on "${channel}": ${field} ${reason}.`);
  }
}
