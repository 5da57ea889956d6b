import type { Envelope } from '../envelope/envelope.interface.js';
import type { MessageHandler, Subscription } from '../interfaces/subscription.interface.js';

/** The dispatcher's record of one subscriber. */
export class ChannelSubscription implements Subscription {
  active = true;

  /**
   * @param channel the channel, pattern or `*` the subscriber asked for
   * @param channels the registered channels it receives; empty for `*`
   */
  constructor(
    readonly channel: string,
    readonly channels: readonly string[],
    readonly name: string,
    readonly handler: MessageHandler<Envelope>,
    private readonly onUnsubscribe: (subscription: ChannelSubscription) => void,
  ) {}

  unsubscribe(): void {
    if (!this.active) {
      return;
    }
    this.active = false;
    this.onUnsubscribe(this);
  }
}
