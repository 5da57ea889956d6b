import type { ChannelRegistry } from '../channels/channel.registry.js';
import { isAsyncFunction, type MessageContext } from '../context/message-context.js';
import { expandChannels, isChannelPattern } from '../filtering/channel-pattern.js';
import { compileFilter } from '../filtering/compiled-filter.js';
import type { MessageFilter } from '../filtering/message-filter.interface.js';
import type {
  MessageHandler,
  SubscribeOptions,
  Subscription,
} from '../interfaces/subscription.interface.js';
import type { EventBusTransport } from '../transports/event-bus-transport.interface.js';
import { ALL_CHANNELS, type ChannelDispatcher } from './channel.dispatcher.js';
import { combineSubscriptions, filtered, groupHandler } from './subscription-helpers.js';

/**
 * Builds subscriptions from the options of `EventBusService`: resolves channels and patterns,
 * compiles filters, and subscribes on the dispatcher or in a consumer group of the transport.
 */
export class SubscriptionBuilder {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly dispatcher: ChannelDispatcher,
    private readonly transport: EventBusTransport,
    private readonly context: MessageContext,
  ) {}

  /**
   * Subscribes to a channel, or to the channels a pattern selects. With `options.group`, and a
   * transport that has consumer groups, each message reaches one instance of the group.
   */
  channel(channel: string, handler: MessageHandler, options: SubscribeOptions): Subscription {
    const names = this.registry.names();
    const channels = isChannelPattern(channel)
      ? expandChannels([channel], names)
      : [this.registry.get(channel).name];
    const filter = compileFilter({ ...options.filter, channels }, names);
    const name = listenerName(handler, options);
    const target = filtered(handler, filter);
    const { timeoutMs, retry, deadLetter } = options;

    const subscribeGroup = this.transport.subscribeGroup?.bind(this.transport);
    if (options.group !== undefined && subscribeGroup !== undefined) {
      const { group } = options;
      const handlerInGroup = groupHandler(this.context, target, timeoutMs);
      const parts = channels.map((selected) =>
        subscribeGroup(selected, group, handlerInGroup, name),
      );
      return combineSubscriptions(channel, name, parts);
    }
    const policy = { timeoutMs, retry, deadLetter };
    return this.dispatcher.subscribe(
      channel,
      target,
      name,
      channels,
      policy,
      isAsyncFunction(handler),
    );
  }

  /** Subscribes to every message that matches a filter, outside EventEmitter2's listener limit. */
  matching(
    filter: MessageFilter,
    handler: MessageHandler,
    options: Pick<SubscribeOptions, 'name'>,
  ): Subscription {
    const compiled = compileFilter(filter, this.registry.names());
    const label = filter.channels?.join(',') ?? ALL_CHANNELS;
    const channels = filter.channels === undefined ? [] : compiled.channels;
    const target = filtered(handler, compiled);
    return this.dispatcher.subscribeWide(label, target, listenerName(handler, options), channels);
  }

  /** Subscribes to every channel, with the filter and delivery options of `channel()`. */
  everyChannel(handler: MessageHandler, options: Omit<SubscribeOptions, 'group'>): Subscription {
    const filter = compileFilter(options.filter, this.registry.names());
    const { timeoutMs, retry, deadLetter } = options;
    return this.dispatcher.subscribe(
      ALL_CHANNELS,
      filtered(handler, filter),
      listenerName(handler, options),
      undefined,
      { timeoutMs, retry, deadLetter },
      isAsyncFunction(handler),
    );
  }
}

/** Returns the listener name for logs and metrics: the option, else the function's name. */
function listenerName(handler: MessageHandler, options: Pick<SubscribeOptions, 'name'>): string {
  return options.name ?? (handler.name || 'anonymous');
}
