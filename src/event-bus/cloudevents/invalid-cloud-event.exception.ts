import { EventBusException } from '../exceptions/event-bus.exception.js';

/** Raised when a CloudEvent cannot be turned into an envelope: an attribute is missing or wrong. */
export class InvalidCloudEventException extends EventBusException {
  /**
   * @param attribute the attribute at fault, such as `specversion` or `busmetadata`
   * @param value the rejected value (undefined when the attribute is missing)
   * @param allowed a description of the values accepted
   */
  constructor(
    readonly attribute: string,
    readonly value: unknown,
    readonly allowed: string,
  ) {
    const shown = value === undefined ? 'missing' : JSON.stringify(value);
    super(`Invalid CloudEvent: ${attribute}=${shown}; allowed: ${allowed}.`);
  }
}
