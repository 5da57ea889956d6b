import {
  DEFAULT_HISTORY_CAPACITY,
  DEFAULT_MAX_LISTENERS_PER_CHANNEL,
  DEFAULT_MAX_PAYLOAD_DEPTH,
} from './event-bus.constants.js';
import { optionalInteger } from './event-bus.options-checks.js';
import type { LogFormat } from './logging/log-entry.js';
import type { ChannelDefinition } from './interfaces/channel-definition.interface.js';
import type {
  ApiKeyDefinition,
  EventBusModuleOptions,
  MemoryTransportOptions,
  StreamOptions,
} from './interfaces/event-bus-options.interface.js';
import {
  resolveRedisTransportOptions,
  type ResolvedRedisTransportOptions,
} from './transports/redis/redis-transport.options.js';

/** Module options with every default applied. */
export interface ResolvedEventBusOptions {
  transport: MemoryTransportOptions | ResolvedRedisTransportOptions;
  channels: ChannelDefinition[];
  historyCapacity: number;
  maxPayloadDepth: number;
  maxListenersPerChannel: number;
  stream: Required<StreamOptions>;
  shutdownTimeoutMs: number;
  maxPayloadKeys: number;
  apiKeys: ApiKeyDefinition[];
  logFormat: LogFormat;
}

/**
 * Applies defaults and checks every option, so a bad value stops start-up with a clear message.
 * @throws RangeError naming the option, the value and what is allowed
 */
export function resolveEventBusOptions(
  options: EventBusModuleOptions = {},
): ResolvedEventBusOptions {
  return {
    transport: resolveTransport(options.transport),
    channels: options.channels ?? [],
    historyCapacity: optionalInteger(
      'historyCapacity',
      options.historyCapacity,
      DEFAULT_HISTORY_CAPACITY,
      1,
    ),
    maxPayloadDepth: optionalInteger(
      'maxPayloadDepth',
      options.maxPayloadDepth,
      DEFAULT_MAX_PAYLOAD_DEPTH,
      1,
    ),
    maxListenersPerChannel: optionalInteger(
      'maxListenersPerChannel',
      options.maxListenersPerChannel,
      DEFAULT_MAX_LISTENERS_PER_CHANNEL,
      1,
    ),
    logFormat: resolveLogFormat(options.logFormat),
    maxPayloadKeys: optionalInteger('maxPayloadKeys', options.maxPayloadKeys, 1000, 1),
    apiKeys: resolveApiKeys(options.auth?.apiKeys ?? []),
    shutdownTimeoutMs: optionalInteger('shutdownTimeoutMs', options.shutdownTimeoutMs, 10_000, 0),
    stream: {
      heartbeatMs: optionalInteger('stream.heartbeatMs', options.stream?.heartbeatMs, 15_000, 1),
      maxBufferedBytes: optionalInteger(
        'stream.maxBufferedBytes',
        options.stream?.maxBufferedBytes,
        1_048_576,
        1,
      ),
    },
  };
}

function resolveTransport(
  transport: EventBusModuleOptions['transport'],
): ResolvedEventBusOptions['transport'] {
  if (transport === undefined || transport.type === 'memory') {
    return { type: 'memory' };
  }
  if (transport.type === 'redis') {
    return resolveRedisTransportOptions(transport);
  }
  throw new RangeError(
    `Invalid event bus option transport.type=${JSON.stringify((transport as { type: unknown }).type)}; ` +
      'allowed: "memory" or "redis".',
  );
}

function resolveApiKeys(keys: ApiKeyDefinition[]): ApiKeyDefinition[] {
  keys.forEach((definition, index) => {
    const validKey = typeof definition?.key === 'string' && definition.key.length > 0;
    const validScopes =
      Array.isArray(definition?.scopes) &&
      definition.scopes.every((scope) => scope === 'read' || scope === 'publish');
    if (!validKey || !validScopes) {
      throw new RangeError(
        `Invalid event bus option auth.apiKeys[${index}]; allowed: { key: a non-empty string, ` +
          'scopes: an array of "read" and "publish" }.',
      );
    }
  });
  return keys;
}

function resolveLogFormat(format: LogFormat | undefined): LogFormat {
  if (format === undefined || format === 'text' || format === 'json') {
    return format ?? 'text';
  }
  throw new RangeError(
    `Invalid event bus option logFormat=${JSON.stringify(format)}; allowed: "text" or "json".`,
  );
}
