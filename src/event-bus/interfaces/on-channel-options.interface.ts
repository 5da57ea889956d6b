import type { MessageFilter } from '../filtering/message-filter.interface.js';
import type { DeliveryPolicy } from './delivery-policy.interface.js';

/** Options of `@OnChannel`, with the listener's timeout, retries and dead letters. */
export interface OnChannelOptions extends DeliveryPolicy {
  /** Listener name in logs and counts. @default `ClassName.methodName` */
  name?: string;
  /** Consumer group of the listener; see `SubscribeOptions.group`. */
  group?: string;
  /** Only messages whose fields match; see `SubscribeOptions.filter`. */
  filter?: Omit<MessageFilter, 'channels'>;
}

/** Record that `@OnChannel` stores on a method: one entry per decorator. */
export interface OnChannelMetadata {
  channel: string;
  options: OnChannelOptions;
}
