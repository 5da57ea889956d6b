import { EventBusException } from './event-bus.exception.js';

/** Raised when a message filter names an unknown channel or has a malformed field condition. */
export class InvalidFilterException extends EventBusException {
  /**
   * @param parameter the filter part at fault, such as `channels` or `payload.user_id`
   * @param value the rejected value
   * @param allowed a description of the values accepted
   */
  constructor(
    readonly parameter: string,
    readonly value: unknown,
    readonly allowed: string,
  ) {
    super(`Invalid filter: ${parameter}=${JSON.stringify(value)}; allowed: ${allowed}.`);
  }
}
