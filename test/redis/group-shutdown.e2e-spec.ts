import { afterAll, afterEach, beforeAll, expect, it, jest } from '@jest/globals';
import type { Redis } from 'ioredis';
import type { Envelope, Subscription } from '../../src/event-bus/index.js';
import { closeApps, startBusApp, uniqueKeyPrefix, type RunningApp } from '../support/redis-apps.js';
import { pendingCount, streamKey, waitForGroup } from '../support/redis-inspect.js';
import { describeRedis, startRedis, type RedisServer } from '../support/redis-server.js';
import { waitFor } from '../support/wait-for.js';

const CHANNEL = 'shutdown.jobs';
const GROUP = 'shutdown-workers';
/** Retries wait 400 to 800 ms, long enough to close before the first one is due. */
const RETRY_MS = 800;
/** Time in which a retry left scheduled would have run. */
const RETRY_WINDOW_MS = 2 * RETRY_MS;

/** The bus typed loosely, for the test's own channel. */
interface LooseBus {
  publish(channel: string, payload: unknown): Promise<Envelope>;
  subscribe(
    channel: string,
    handler: (message: Envelope<string, { kind: string }>) => Promise<void>,
    options: { group: string; name: string },
  ): Subscription;
}

describeRedis('Consumer groups at shutdown', () => {
  jest.setTimeout(20_000);

  let server: RedisServer | undefined;
  let admin: Redis;
  let running: RunningApp | undefined;

  beforeAll(async () => {
    server = await startRedis();
    admin = await server.connect();
  });

  afterEach(async () => {
    await closeApps(running);
    running = undefined;
  });

  afterAll(async () => {
    await server?.close();
  });

  it('runs no retry once closing', async () => {
    const keyPrefix = uniqueKeyPrefix('group-shutdown');
    running = await startBusApp({
      channels: [{ name: CHANNEL }],
      transport: {
        type: 'redis',
        url: (server as RedisServer).url,
        keyPrefix,
        consumerName: 'group-shutdown-test',
        retryBaseMs: RETRY_MS,
        retryMaxMs: RETRY_MS,
        maxDeliveries: 10,
        claimIdleMs: 60_000,
      },
    });
    const bus = running.bus as unknown as LooseBus;
    let failedCalls = 0;
    let slowStarted = false;
    let releaseSlow = () => {};
    bus.subscribe(
      CHANNEL,
      async (message) => {
        if (message.payload.kind === 'fail') {
          failedCalls++;
          throw new Error('this job always fails');
        }
        slowStarted = true;
        await new Promise<void>((resolve) => (releaseSlow = resolve));
      },
      { group: GROUP, name: 'ShutdownWorker' },
    );
    await waitForGroup(admin, streamKey(keyPrefix, CHANNEL), GROUP);

    await bus.publish(CHANNEL, { kind: 'fail' });
    await waitFor(() => failedCalls === 1, 5_000, 'the first failure');
    await bus.publish(CHANNEL, { kind: 'slow' });
    await waitFor(() => slowStarted, 5_000, 'the slow job to start');

    // The reader waits for the slow job; a retry still scheduled would run meanwhile.
    const closing = running.app.close();
    running = undefined;
    const retried = await waitFor(() => failedCalls > 1, RETRY_WINDOW_MS, 'a retry').then(
      () => true,
      () => false,
    );
    releaseSlow();
    await closing;

    expect(retried).toBe(false);
    expect(failedCalls).toBe(1);
    // Not acknowledged and not dead-lettered: the entry waits for another consumer.
    expect(await pendingCount(admin, streamKey(keyPrefix, CHANNEL), GROUP)).toBe(1);
  });
});
