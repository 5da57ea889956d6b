import { EventBusException } from './event-bus.exception.js';

/** Raised when a message or query names a channel that is not registered. */
export class UnknownChannelException extends EventBusException {
  constructor(
    readonly channel: string,
    readonly knownChannels: readonly string[],
  ) {
    super(
      `Unknown channel "${channel}". Allowed channels: ${knownChannels.join(', ')}. ` +
        'Register other channels with EventBusModule.forRoot({ channels }).',
    );
  }
}
