import { afterAll, afterEach, beforeAll, expect, it, jest } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { KARMA_LIFECYCLE, OnChannel } from '../../src/event-bus/index.js';
import { closeApps, startBusApp, uniqueKeyPrefix, type RunningApp } from '../support/redis-apps.js';
import {
  BROADCAST_CONNECTION,
  groupConnection,
  waitForBlockedReaders,
} from '../support/redis-inspect.js';
import { describeRedis, startRedis, type RedisServer } from '../support/redis-server.js';
import { startTcpRelay, type TcpRelay } from '../support/tcp-relay.js';
import { waitFor } from '../support/wait-for.js';

const GROUP = 'reconnect-shutdown';
/** The shutdown deadline: a reader that cannot stop blocks `app.close()` until it passes. */
const SHUTDOWN_TIMEOUT_MS = 10_000;
/** How long a close may take when no reader is stuck. */
const PROMPT_CLOSE_MS = 3_000;

@Injectable()
class GroupListener {
  @OnChannel(KARMA_LIFECYCLE, { group: GROUP })
  handle(): void {}
}

@Module({ providers: [GroupListener] })
class GroupListenerModule {}

/** Resolves to 'closed' when `close` finishes first, or 'deadline' after `ms`. */
async function closeWithin(close: Promise<void>, ms: number): Promise<'closed' | 'deadline'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), ms);
  });
  try {
    return await Promise.race([close.then(() => 'closed' as const), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describeRedis('Shutdown while Redis connections are reconnecting', () => {
  jest.setTimeout(30_000);

  let server: RedisServer | undefined;
  let relay: TcpRelay | undefined;
  let running: RunningApp | undefined;

  beforeAll(async () => {
    server = await startRedis();
  });

  afterAll(async () => {
    await server?.close();
  });

  afterEach(async () => {
    await closeApps(running);
    running = undefined;
    await relay?.close();
    relay = undefined;
  });

  // ioredis keeps the blocking read that was in flight when the connection dropped, to send it
  // again once reconnected. Disconnected before the reconnect completes, it never settles that
  // read, so a reader waiting on it would block shutdown until the deadline.
  it('closes during the reconnect handshake', async () => {
    const redis = server as RedisServer;
    relay = await startTcpRelay(Number(new URL(redis.url).port));
    running = await startBusApp(
      {
        transport: {
          type: 'redis',
          url: `redis://127.0.0.1:${relay.port}`,
          keyPrefix: uniqueKeyPrefix('reconnect-shutdown'),
          consumerName: 'reconnect-shutdown-test',
        },
        shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
      },
      [GroupListenerModule],
    );
    await waitForBlockedReaders(redis, [BROADCAST_CONNECTION, groupConnection(GROUP)]);

    relay.stall();
    const stalledRelay = relay;
    // The command connection and both readers connect again, and wait for a reply that never comes.
    await waitFor(
      () => stalledRelay.stalledCount >= 3,
      5_000,
      `3 stalled connections (${stalledRelay.stalledCount})`,
    );
    const app = running.app;
    running = undefined;

    expect(await closeWithin(app.close(), PROMPT_CLOSE_MS)).toBe('closed');
  });
});
