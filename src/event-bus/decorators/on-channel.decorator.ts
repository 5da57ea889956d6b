import type {
  AnyChannelEnvelope,
  ChannelEnvelope,
  ChannelName,
  ChannelPattern,
} from '../channels/channel-map.interface.js';
import { ON_CHANNEL_METADATA } from '../event-bus.constants.js';
import type {
  OnChannelMetadata,
  OnChannelOptions,
} from '../interfaces/on-channel-options.interface.js';

/**
 * Marks a method of a provider or controller as a listener of a channel.
 *
 * The bus finds these methods at bootstrap, in every module, and calls them with each message of
 * the channel. Decorators stack: one method may listen to several channels. The method's
 * parameter must accept the channel's envelope type.
 * @param channel a channel registered with the bus, or a pattern such as `karma.*`
 * @param options listener options
 * @example
 * @Injectable()
 * export class ScoreAuditor {
 *   @OnChannel(KARMA_FEEDBACK)
 *   record(message: ChannelEnvelope<'karma.feedback'>) {
 *     console.log(message.payload.score);
 *   }
 * }
 */
export function OnChannel<C extends ChannelName | ChannelPattern>(
  channel: C,
  options: OnChannelOptions = {},
) {
  type Received = C extends ChannelName ? ChannelEnvelope<C> : AnyChannelEnvelope;
  return <H extends (envelope: Received) => unknown>(
    _target: object,
    _propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<H>,
  ): void => {
    const method = descriptor.value as object;
    const existing = (Reflect.getMetadata(ON_CHANNEL_METADATA, method) ??
      []) as OnChannelMetadata[];
    Reflect.defineMetadata(ON_CHANNEL_METADATA, [...existing, { channel, options }], method);
  };
}
