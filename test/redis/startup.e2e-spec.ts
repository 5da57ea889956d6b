import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  jest,
} from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  KARMA_LIFECYCLE,
  OnChannel,
  type ChannelEnvelope,
  type EventBusModuleOptions,
  type KarmaLifecyclePayload,
} from '../../src/event-bus/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { closeApps, startBusApp, uniqueKeyPrefix, type RunningApp } from '../support/redis-apps.js';
import { streamKey, waitForGroup } from '../support/redis-inspect.js';
import {
  describeRedis,
  findFreePort,
  LOOPBACK,
  startRedis,
  type RedisServer,
} from '../support/redis-server.js';
import { elapsedMs, waitFor } from '../support/wait-for.js';

const GROUP = 'starters';
const TEST_TIMEOUT_MS = 15_000;
const BLOCK_MS = 1_000;

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

/** Log lines of a level that concern Redis, its streams or consumer groups, as text. */
function redisLines(logger: CapturingLogger, level: 'error' | 'warn'): string[] {
  return logger
    .atLevel(level)
    .map((entry) => String(entry.message))
    .filter((line) => /redis|stream|group/i.test(line));
}

describeRedis('Redis transport start-up', () => {
  jest.setTimeout(TEST_TIMEOUT_MS);

  let server: RedisServer | undefined;
  let admin: Redis;
  let keyPrefix: string;
  let key: string;
  let apps: RunningApp[] = [];

  function options(consumerName: string): EventBusModuleOptions {
    return {
      transport: {
        type: 'redis',
        url: (server as RedisServer).url,
        keyPrefix,
        consumerName,
        blockMs: BLOCK_MS,
        connectTimeoutMs: 2_000,
      },
    };
  }

  async function start(consumerName: string, logger = new CapturingLogger()): Promise<RunningApp> {
    const app = await startBusApp(options(consumerName), [GroupRecorderModule], logger);
    apps.push(app);
    return app;
  }

  /** Publishes `count` messages and waits until the apps' group listeners handled them. */
  async function publishAndAwait(publisher: RunningApp, count: number): Promise<string[]> {
    const published: string[] = [];
    for (let n = 0; n < count; n++) {
      published.push((await publisher.bus.publishLifecycle(lifecycle(n))).message_id);
    }
    const handled = () => apps.flatMap((app) => app.app.get(GroupRecorder).handled);
    await waitFor(
      () => published.every((id) => handled().includes(id)),
      BLOCK_MS + 2_000,
      `${count} message(s) handled by the group (got ${handled().length})`,
    );
    return handled();
  }

  beforeAll(async () => {
    server = await startRedis();
    admin = await server.connect();
  });

  afterAll(async () => {
    await server?.close();
  });

  beforeEach(() => {
    keyPrefix = uniqueKeyPrefix('startup');
    key = streamKey(keyPrefix, KARMA_LIFECYCLE);
  });

  afterEach(async () => {
    await closeApps(...apps);
    apps = [];
  });

  it('creates stream and group cleanly', async () => {
    const logger = new CapturingLogger();
    const app = await start('fresh', logger);
    await waitForGroup(admin, key, GROUP);

    expect(await admin.type(key)).toBe('stream');
    const handled = await publishAndAwait(app, 1);
    expect(handled).toHaveLength(1);
    expect(redisLines(logger, 'error')).toEqual([]);
    expect(redisLines(logger, 'warn')).toEqual([]);
  });

  it('restarts with an existing group', async () => {
    const first = await start('restarting');
    await waitForGroup(admin, key, GROUP);
    await closeApps(first);
    apps = [];

    const logger = new CapturingLogger();
    const app = await start('restarting', logger);
    const handled = await publishAndAwait(app, 2);

    expect(handled).toHaveLength(2);
    expect(redisLines(logger, 'error')).toEqual([]);
    expect(redisLines(logger, 'warn')).toEqual([]);
  });

  it('starts two instances at once', async () => {
    const logger = new CapturingLogger();
    const [first] = await Promise.all([start('twin-a', logger), start('twin-b', logger)]);
    await waitForGroup(admin, key, GROUP);

    const handled = await publishAndAwait(first, 10);

    expect(handled).toHaveLength(10);
    expect(new Set(handled).size).toBe(10);
    expect(redisLines(logger, 'error')).toEqual([]);
    expect(redisLines(logger, 'warn')).toEqual([]);
  });

  it('rejects a string stream key', async () => {
    const feedbackKey = streamKey(keyPrefix, 'karma.feedback');
    await admin.set(feedbackKey, 'not a stream');

    const starting = start('blocked-by-string');

    await expect(starting).rejects.toThrow(`Redis key "${feedbackKey}" contains a string`);
    expect(await admin.get(feedbackKey)).toBe('not a stream');
  });

  describe('when the stream is deleted', () => {
    it('recreates the group', async () => {
      const logger = new CapturingLogger();
      const app = await start('deleted', logger);
      await waitForGroup(admin, key, GROUP);
      await publishAndAwait(app, 1);

      await admin.del(key);
      await waitForGroup(admin, key, GROUP, BLOCK_MS + 2_000);
      const recorder = app.app.get(GroupRecorder);
      const before = recorder.handled.length;
      const published: string[] = [];
      for (let n = 0; n < 3; n++) {
        published.push((await app.bus.publishLifecycle(lifecycle(n))).message_id);
      }
      await waitFor(() => recorder.handled.length >= before + 3, BLOCK_MS + 2_000, '3 messages');

      expect(recorder.handled.slice(before)).toEqual(published);
      expect(redisLines(logger, 'error')).toEqual([]);
    });

    it('keeps messages published after it', async () => {
      const app = await start('deleted-then-published');
      await waitForGroup(admin, key, GROUP);
      await publishAndAwait(app, 1);
      const recorder = app.app.get(GroupRecorder);

      await admin.del(key);
      const published: string[] = [];
      for (let n = 0; n < 3; n++) {
        published.push((await app.bus.publishLifecycle(lifecycle(n))).message_id);
      }

      await waitFor(
        () => published.every((id) => recorder.handled.includes(id)),
        BLOCK_MS + 2_000,
        `the 3 messages published after the deletion (got ${recorder.handled.length - 1})`,
      );
      expect(recorder.handled.slice(1)).toEqual(published);
    });
  });
});

describe('Redis transport start-up when unreachable', () => {
  it('fails naming the URL', async () => {
    const url = `redis://${LOOPBACK}:${await findFreePort()}`;
    let starting: Promise<RunningApp> | undefined;

    const elapsed = await elapsedMs(async () => {
      starting = startBusApp({ transport: { type: 'redis', url, connectTimeoutMs: 500 } });
      await starting.catch(() => undefined);
    });

    await expect(starting).rejects.toThrow(`Could not connect to Redis at ${url} within 500 ms`);
    expect(elapsed).toBeLessThan(3_000);
  });
});
