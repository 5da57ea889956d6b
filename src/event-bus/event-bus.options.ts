import {
  DEFAULT_HISTORY_CAPACITY,
  DEFAULT_MAX_LISTENERS_PER_CHANNEL,
  DEFAULT_MAX_PAYLOAD_DEPTH,
} from './event-bus.constants.js';
import type { ChannelDefinition } from './interfaces/channel-definition.interface.js';
import type {
  EventBusModuleOptions,
  MemoryTransportOptions,
} from './interfaces/event-bus-options.interface.js';

/** Module options with every default applied. */
export interface ResolvedEventBusOptions {
  transport: MemoryTransportOptions;
  channels: ChannelDefinition[];
  historyCapacity: number;
  maxPayloadDepth: number;
  maxListenersPerChannel: number;
}

/**
 * Applies defaults and checks every option, so a bad value stops start-up with a clear message.
 * @throws RangeError naming the option, the value and what is allowed
 */
export function resolveEventBusOptions(
  options: EventBusModuleOptions = {},
): ResolvedEventBusOptions {
  const transport = options.transport ?? { type: 'memory' };
  if (transport.type !== 'memory') {
    throw new RangeError(
      `Invalid event bus option transport.type=${JSON.stringify(transport.type)}; allowed: "memory".`,
    );
  }

  return {
    transport,
    channels: options.channels ?? [],
    historyCapacity: positiveInteger(
      'historyCapacity',
      options.historyCapacity,
      DEFAULT_HISTORY_CAPACITY,
    ),
    maxPayloadDepth: positiveInteger(
      'maxPayloadDepth',
      options.maxPayloadDepth,
      DEFAULT_MAX_PAYLOAD_DEPTH,
    ),
    maxListenersPerChannel: positiveInteger(
      'maxListenersPerChannel',
      options.maxListenersPerChannel,
      DEFAULT_MAX_LISTENERS_PER_CHANNEL,
    ),
  };
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `Invalid event bus option ${name}=${JSON.stringify(value)}; allowed: an integer of at least 1.`,
    );
  }
  return value;
}
