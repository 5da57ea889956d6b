import { hostname } from 'node:os';
import type { RedisTransportOptions } from '../../interfaces/event-bus-options.interface.js';
import { optionalInteger } from '../../event-bus.options-checks.js';

/** Redis transport options with every default applied. */
export type ResolvedRedisTransportOptions = Required<RedisTransportOptions>;

/**
 * Applies defaults to the Redis transport options and checks each value.
 * @throws RangeError naming the option, the value and what is allowed
 */
export function resolveRedisTransportOptions(
  options: RedisTransportOptions,
): ResolvedRedisTransportOptions {
  if (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
    throw new RangeError(
      `Invalid event bus option transport.url=${JSON.stringify(options.url)}; ` +
        'allowed: a redis:// or rediss:// URL, such as redis://127.0.0.1:6379.',
    );
  }

  const maxLenByChannel = options.maxLenByChannel ?? {};
  for (const [channel, maxLen] of Object.entries(maxLenByChannel)) {
    optionalInteger(`transport.maxLenByChannel["${channel}"]`, maxLen, 1, 1);
  }

  return {
    type: 'redis',
    url: options.url,
    keyPrefix: options.keyPrefix ?? 'karma-bus:',
    maxLen: optionalInteger('transport.maxLen', options.maxLen, 10_000, 1),
    maxLenByChannel,
    blockMs: optionalInteger('transport.blockMs', options.blockMs, 5_000, 1),
    claimIdleMs: optionalInteger('transport.claimIdleMs', options.claimIdleMs, 30_000, 1),
    maxDeliveries: optionalInteger('transport.maxDeliveries', options.maxDeliveries, 5, 1),
    retryBaseMs: optionalInteger('transport.retryBaseMs', options.retryBaseMs, 100, 0),
    retryMaxMs: optionalInteger('transport.retryMaxMs', options.retryMaxMs, 5_000, 0),
    connectTimeoutMs: optionalInteger(
      'transport.connectTimeoutMs',
      options.connectTimeoutMs,
      10_000,
      0,
    ),
    consumerName: options.consumerName ?? `${hostname()}:${process.pid}`,
    deadLetterMaxLen: optionalInteger(
      'transport.deadLetterMaxLen',
      options.deadLetterMaxLen,
      10_000,
      1,
    ),
  };
}
