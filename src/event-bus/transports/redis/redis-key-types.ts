import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.js';

/**
 * Checks that no key the bus needs already contains another type of value.
 * @throws Error naming the key, the type it contains and the type expected
 */
export async function checkKeyTypes(
  redis: Redis,
  keys: RedisKeys,
  channels: readonly string[],
): Promise<void> {
  const expected: [key: string, type: string][] = [
    [keys.deadLetters(), 'stream'],
    [keys.clock(), 'hash'],
  ];
  for (const channel of channels) {
    expected.push(
      [keys.stream(channel), 'stream'],
      [keys.ids(channel), 'list'],
      [keys.index(channel), 'hash'],
    );
  }

  const pipeline = redis.pipeline();
  expected.forEach(([key]) => pipeline.type(key));
  const replies = (await pipeline.exec()) ?? [];

  replies.forEach(([error, actual], index) => {
    if (error) {
      throw error;
    }
    const [key, type] = expected[index];
    if (actual !== 'none' && actual !== type) {
      throw new Error(
        `Redis key "${key}" contains a ${String(actual)}, not a ${type}, so the event bus cannot ` +
          'use it. Delete the key or choose another keyPrefix.',
      );
    }
  });
}
