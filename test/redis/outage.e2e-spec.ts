import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import {
  KARMA_LIFECYCLE,
  OnChannel,
  TransportUnavailableException,
  type ChannelEnvelope,
  type KarmaLifecyclePayload,
} from '../../src/event-bus/index.js';
import { closeApps, startBusApp, uniqueKeyPrefix, type RunningApp } from '../support/redis-apps.js';
import { streamKey, waitForGroup } from '../support/redis-inspect.js';
import { describeOwnRedis, startRedis, type RedisServer } from '../support/redis-server.js';
import { elapsedMs, waitFor } from '../support/wait-for.js';

const GROUP = 'outage-recorders';

/** A publish must settle this fast during an outage: rejected at once, never queued. */
const REJECT_WITHIN_MS = 1_000;

/** Records the message ids the group handled. A redelivered message appears again. */
@Injectable()
class GroupRecorder {
  readonly handled: string[] = [];

  @OnChannel(KARMA_LIFECYCLE, { group: GROUP })
  handle(message: ChannelEnvelope<'karma.lifecycle'>): void {
    this.handled.push(message.message_id);
  }
}

@Module({ providers: [GroupRecorder] })
class GroupRecorderModule {}

function lifecycle(n: number): KarmaLifecyclePayload {
  return { user_id: `user-${n}`, event: 'birth', occurred_at: '2026-12-01T12:00:00.000Z' };
}

describeOwnRedis('Redis killed and restarted', () => {
  let server: RedisServer | undefined;
  let running: RunningApp | undefined;

  beforeAll(async () => {
    server = await startRedis({ appendOnly: true, ownServer: true });
  });

  afterAll(async () => {
    await server?.close();
  });

  afterEach(async () => {
    await closeApps(running);
    running = undefined;
  });

  it('keeps every resolved publish', async () => {
    const redis = server as RedisServer;
    const keyPrefix = uniqueKeyPrefix('outage');
    running = await startBusApp(
      {
        transport: {
          type: 'redis',
          url: redis.url,
          keyPrefix,
          consumerName: 'outage-test',
          blockMs: 500,
          claimIdleMs: 500,
          retryBaseMs: 10,
          retryMaxMs: 100,
          connectTimeoutMs: 2_000,
        },
      },
      [GroupRecorderModule],
    );
    const { bus } = running;
    const broadcast: string[] = [];
    bus.subscribe(KARMA_LIFECYCLE, (message) => {
      broadcast.push(message.message_id);
    });
    await waitForGroup(await redis.connect(), streamKey(keyPrefix, KARMA_LIFECYCLE), GROUP);

    const resolved = new Map<number, string>();
    const rejected: number[] = [];
    let next = 0;
    const publish = async (): Promise<void> => {
      const n = next++;
      try {
        resolved.set(n, (await bus.publishLifecycle(lifecycle(n))).message_id);
      } catch (error) {
        expect(error).toBeInstanceOf(TransportUnavailableException);
        rejected.push(n);
      }
    };

    for (let i = 0; i < 30; i++) {
      await publish();
    }
    // Twenty publishes in flight while the server dies: each may land or fail, never hang.
    const inFlight = Promise.all(Array.from({ length: 20 }, publish));
    await redis.kill();
    await inFlight;

    const firstRejected = next;
    for (let i = 0; i < 10; i++) {
      expect(await elapsedMs(publish)).toBeLessThan(REJECT_WITHIN_MS);
    }
    expect(rejected.filter((n) => n >= firstRejected)).toHaveLength(10);

    const history = await running.http().get('/events/history');
    expect(history.status).toBe(503);
    expect(history.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: expect.stringContaining('reading history failed'),
    });

    await redis.restart();
    const resolvedBefore = resolved.size;
    await waitFor(
      async () => {
        await publish();
        return resolved.size > resolvedBefore;
      },
      10_000,
      'a publish to succeed after the restart',
    );
    for (let i = 0; i < 30; i++) {
      await publish();
    }

    const recorder = running.app.get(GroupRecorder);
    const resolvedIds = [...resolved.values()];
    await waitFor(
      () => resolvedIds.every((id) => recorder.handled.includes(id)),
      15_000,
      `the group to handle all ${resolvedIds.length} resolved publishes ` +
        `(missing ${resolvedIds.filter((id) => !recorder.handled.includes(id)).length})`,
    );

    expect(resolved.size).toBeGreaterThanOrEqual(61);
    const page = await bus.history({ channel: KARMA_LIFECYCLE, order: 'asc', limit: 1000 });
    const stored = page.items.map((item) => item.message_id);
    expect(resolvedIds.filter((id) => !stored.includes(id))).toEqual([]);
    const storedUsers = new Set(
      page.items.map((item) => (item.payload as KarmaLifecyclePayload).user_id),
    );
    const rejectedDuringOutage = rejected.filter((n) => n >= firstRejected);
    expect(rejectedDuringOutage.filter((n) => storedUsers.has(`user-${n}`))).toEqual([]);
    // The broadcast reader resumes after the last entry it delivered: each message once, in order.
    await waitFor(() => broadcast.length >= stored.length, 5_000, 'every message on broadcast');
    expect(broadcast).toEqual(stored);
  }, 30_000);
});
