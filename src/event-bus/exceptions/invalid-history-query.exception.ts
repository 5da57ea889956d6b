import { EventBusException } from './event-bus.exception.js';

/** Raised when a history query has a parameter out of range or a cursor not in history. */
export class InvalidHistoryQueryException extends EventBusException {
  /**
   * @param parameter the query parameter at fault, such as `limit` or `after`
   * @param value the rejected value
   * @param allowed a description of the values the parameter accepts
   */
  constructor(
    readonly parameter: string,
    readonly value: unknown,
    readonly allowed: string,
  ) {
    super(`Invalid history query: ${parameter}=${JSON.stringify(value)}; allowed: ${allowed}.`);
  }
}
