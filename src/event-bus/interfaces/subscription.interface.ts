import type { Envelope } from '../envelope/envelope.interface.js';
import type { MessageFilter } from '../filtering/message-filter.interface.js';
import type { DeliveryPolicy } from './delivery-policy.interface.js';

/** A function that receives messages; a returned promise is awaited only to catch its rejection. */
export type MessageHandler<E extends Envelope = Envelope> = (envelope: E) => unknown;

/** Options of `subscribe()`, with the listener's timeout, retries and dead letters. */
export interface SubscribeOptions extends DeliveryPolicy {
  /** Name used in failure logs and listener counts. @default the handler's function name */
  name?: string;
  /**
   * Consumer group: across instances sharing a Redis transport, each message reaches one
   * listener of the group, at least once. With the in-memory transport there is one instance, so
   * a group listener receives every message like any other.
   */
  group?: string;
  /** Only messages whose fields match; the channels come from the subscribed channel or pattern. */
  filter?: Omit<MessageFilter, 'channels'>;
}

/** A live subscription. */
export interface Subscription {
  /** The channel, or `*` for a subscription to every channel. */
  readonly channel: string;
  /** The listener name used in logs. */
  readonly name: string;
  /** False once `unsubscribe()` has been called. */
  readonly active: boolean;
  /** Stops delivery, also of a message being delivered right now; calling it again does nothing. */
  unsubscribe(): void;
}
