import { EventBusException } from './event-bus.exception.js';

/** Raised at start-up when a channel registered in the module options is malformed. */
export class InvalidChannelDefinitionException extends EventBusException {
  constructor(
    readonly channel: string,
    readonly reason: string,
  ) {
    super(`Invalid channel definition "${channel}": ${reason}.`);
  }
}
