import type { Redis } from 'ioredis';
import type { RedisServer } from './redis-server.js';
import { waitFor } from './wait-for.js';

/** Returns the key of a channel's stream, as the Redis transport names it. */
export function streamKey(keyPrefix: string, channel: string): string {
  return `${keyPrefix}{${channel}}:stream`;
}

/** Connection name of the broadcast reader of every bus. */
export const BROADCAST_CONNECTION = 'karma-event-bus:broadcast';

/** Connection name of the reader of a consumer group. */
export function groupConnection(group: string): string {
  return `karma-event-bus:group:${group}`;
}

/** Returns true when the consumer group exists on the stream. */
export async function groupExists(admin: Redis, key: string, group: string): Promise<boolean> {
  try {
    const groups = (await admin.call('XINFO', 'GROUPS', key)) as unknown[][];
    return groups.some((fields) => fields[fields.indexOf('name') + 1] === group);
  } catch {
    return false;
  }
}

/** Waits until the consumer group exists on the stream. */
export async function waitForGroup(
  admin: Redis,
  key: string,
  group: string,
  timeoutMs = 5_000,
): Promise<void> {
  await waitFor(() => groupExists(admin, key, group), timeoutMs, `group ${group} on ${key}`);
}

/** Entries of the group delivered and not yet acknowledged. */
export async function pendingCount(admin: Redis, key: string, group: string): Promise<number> {
  const [count] = (await admin.xpending(key, group)) as [number, ...unknown[]];
  return Number(count);
}

/**
 * Waits until each named connection is blocked in a stream read (CLIENT LIST shows flag `b` and
 * `cmd` `xread` or `xreadgroup`), so a test can rely on the readers waiting in `BLOCK`.
 */
export async function waitForBlockedReaders(
  server: RedisServer,
  names: readonly string[],
  timeoutMs = 5_000,
): Promise<void> {
  await waitFor(
    async () => {
      const clients = await server.clientList();
      return names.every((name) =>
        clients.some(
          (client) =>
            client.name === name &&
            (client.flags ?? '').includes('b') &&
            /^xread(group)?$/.test(client.cmd ?? ''),
        ),
      );
    },
    timeoutMs,
    `blocking reads on ${names.join(', ')}`,
  );
}
