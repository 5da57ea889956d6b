import { afterAll, afterEach, beforeAll, beforeEach, expect, it, jest } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  KARMA_LIFECYCLE,
  OnChannel,
  type ChannelEnvelope,
  type KarmaLifecyclePayload,
} from '../../src/event-bus/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { closeApps, startBusApp, uniqueKeyPrefix, type RunningApp } from '../support/redis-apps.js';
import {
  BROADCAST_CONNECTION,
  groupConnection,
  streamKey,
  waitForBlockedReaders,
  waitForGroup,
} from '../support/redis-inspect.js';
import { describeRedis, startRedis, type RedisServer } from '../support/redis-server.js';
import { waitFor } from '../support/wait-for.js';

const BLOCK_MS = 2_000;
/** A reader must be back within its block time plus this margin. */
const RESUME_MARGIN_MS = 2_000;
const GROUP = 'lifecycle-readers';

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

describeRedis('Redis readers after a lost connection', () => {
  jest.setTimeout(20_000);

  let server: RedisServer | undefined;
  let admin: Redis;
  let keyPrefix: string;
  let logger: CapturingLogger;
  let running: RunningApp | undefined;
  let broadcast: string[];
  let group: GroupRecorder;

  beforeAll(async () => {
    server = await startRedis();
    admin = await server.connect();
  });

  afterAll(async () => {
    await server?.close();
  });

  beforeEach(async () => {
    const redis = server as RedisServer;
    keyPrefix = uniqueKeyPrefix('reconnect');
    logger = new CapturingLogger();
    running = await startBusApp(
      {
        transport: {
          type: 'redis',
          url: redis.url,
          keyPrefix,
          consumerName: 'reconnect-test',
          blockMs: BLOCK_MS,
        },
      },
      [GroupRecorderModule],
      logger,
    );
    broadcast = [];
    running.bus.subscribe(KARMA_LIFECYCLE, (message) => {
      broadcast.push(message.message_id);
    });
    group = running.app.get(GroupRecorder);
    await waitForGroup(admin, streamKey(keyPrefix, KARMA_LIFECYCLE), GROUP);
    await waitForBlockedReaders(redis, [BROADCAST_CONNECTION, groupConnection(GROUP)]);
  });

  afterEach(async () => {
    await closeApps(running);
    running = undefined;
  });

  async function publish(count: number, first = 0): Promise<string[]> {
    const ids: string[] = [];
    for (let n = first; n < first + count; n++) {
      ids.push((await (running as RunningApp).bus.publishLifecycle(lifecycle(n))).message_id);
    }
    return ids;
  }

  async function waitForBoth(count: number, timeoutMs: number): Promise<void> {
    await waitFor(
      () => broadcast.length >= count && group.handled.length >= count,
      timeoutMs,
      `${count} messages on both readers (broadcast ${broadcast.length}, ` +
        `group ${group.handled.length})`,
    );
  }

  async function killReaders(): Promise<void> {
    const redis = server as RedisServer;
    expect(await redis.killClientsNamed(BROADCAST_CONNECTION)).toBe(1);
    expect(await redis.killClientsNamed(groupConnection(GROUP))).toBe(1);
  }

  it('resumes after CLIENT KILL', async () => {
    const before = await publish(2);
    await waitForBoth(2, BLOCK_MS);

    await killReaders();
    const meanwhile = await publish(10, 2);
    await waitForBoth(12, BLOCK_MS + RESUME_MARGIN_MS);
    const sentinel = await publish(1, 12);
    await waitForBoth(13, BLOCK_MS + RESUME_MARGIN_MS);

    const expected = [...before, ...meanwhile, ...sentinel];
    expect(broadcast).toEqual(expected);
    expect(group.handled).toEqual(expected);
  });

  it('reconnects both readers', async () => {
    await killReaders();

    await waitForBlockedReaders(
      server as RedisServer,
      [BROADCAST_CONNECTION, groupConnection(GROUP)],
      BLOCK_MS + RESUME_MARGIN_MS,
    );
  });

  it('logs the reconnect', async () => {
    const logged = logger.entries.length;
    await killReaders();
    await publish(1);
    await waitForBoth(1, BLOCK_MS + RESUME_MARGIN_MS);

    // Each line with its logger context, such as `EventBus:Redis:broadcast`.
    const lines = logger.entries
      .slice(logged)
      .map((entry) => `${entry.params.map(String).join(' ')} ${String(entry.message)}`)
      .filter((line) => /reconnect|resum/i.test(line));
    const broadcast = lines.filter((line) => /broadcast/i.test(line));
    const group = lines.filter((line) => line.includes(GROUP));
    expect(broadcast).toHaveLength(2);
    expect(broadcast[0]).toMatch(/lost .*reconnecting$/);
    expect(broadcast[1]).toMatch(/Reconnected to redis:\/\/127\.0\.0\.1:\d+$/);
    expect(group).toHaveLength(2);
    expect(group[0]).toMatch(/lost .*reconnecting$/);
    expect(group[1]).toMatch(/Reconnected to/);
  });

  it('delivers same-millisecond entries', async () => {
    const published = await Promise.all(
      Array.from({ length: 300 }, (_, n) =>
        (running as RunningApp).bus.publishLifecycle(lifecycle(n)),
      ),
    );
    const ids = published.map((envelope) => envelope.message_id);
    await waitForBoth(300, BLOCK_MS + RESUME_MARGIN_MS);

    const entryIds = (await admin.xrange(streamKey(keyPrefix, KARMA_LIFECYCLE), '-', '+')).map(
      ([entryId]) => entryId,
    );
    expect(entryIds).toHaveLength(300);
    // The burst must contain entries that share a millisecond (sequence above 0) to test them.
    expect(entryIds.some((entryId) => !entryId.endsWith('-0'))).toBe(true);
    expect(broadcast).toEqual(ids);
    expect(group.handled).toEqual(ids);
  });
});
