import type { MessageHandler, Subscription } from '../../interfaces/subscription.interface.js';
import type { ListenerChannelMetrics } from '../../metrics/bus-metrics.js';

/** A listener in a consumer group: each message reaches one instance of the group. */
export class GroupListener implements Subscription {
  active = true;

  constructor(
    readonly channel: string,
    readonly group: string,
    readonly name: string,
    readonly handler: MessageHandler,
    readonly metrics: ListenerChannelMetrics,
    private readonly onUnsubscribe: (listener: GroupListener) => void,
  ) {}

  unsubscribe(): void {
    if (!this.active) {
      return;
    }
    this.active = false;
    this.onUnsubscribe(this);
  }
}
