import { afterAll, afterEach, beforeAll, beforeEach, expect, it, jest } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  KARMA_FEEDBACK,
  KARMA_LIFECYCLE,
  OnChannel,
  type ChannelEnvelope,
  type KarmaFeedbackPayload,
} from '../../src/event-bus/index.js';
import { closeApps, startBusApp, uniqueKeyPrefix, type RunningApp } from '../support/redis-apps.js';
import {
  BROADCAST_CONNECTION,
  groupConnection,
  pendingCount,
  streamKey,
  waitForBlockedReaders,
  waitForGroup,
} from '../support/redis-inspect.js';
import { describeRedis, startRedis, type RedisServer } from '../support/redis-server.js';
import { elapsedMs, waitFor } from '../support/wait-for.js';

const BLOCK_MS = 5_000;
const FAST_MS = 200;
const IDLE_GROUP = 'idle-readers';
const BUSY_GROUP = 'busy-workers';

/** Listens on a channel nothing is published on, so its reader blocks for the whole test. */
@Injectable()
class IdleListener {
  @OnChannel(KARMA_LIFECYCLE, { group: IDLE_GROUP })
  handle(): void {
    throw new Error('no lifecycle message is published in this suite');
  }
}

@Injectable()
class BusyWorker {
  readonly handled: string[] = [];

  @OnChannel(KARMA_FEEDBACK, { group: BUSY_GROUP })
  handle(message: ChannelEnvelope<'karma.feedback'>): void {
    this.handled.push(message.message_id);
  }
}

@Module({ providers: [IdleListener, BusyWorker] })
class BlockingFixtureModule {}

/** Records the `setTimeout` timers started while it watches, and which are still pending. */
class TimerWatch {
  private readonly pending = new Set<NodeJS.Timeout>();
  private readonly realSetTimeout = globalThis.setTimeout;
  private readonly realClearTimeout = globalThis.clearTimeout;

  start(): void {
    const { pending, realSetTimeout } = this;
    const watched = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const timer = realSetTimeout(
        (...callArgs: unknown[]) => {
          pending.delete(timer);
          callback(...callArgs);
        },
        ms,
        ...args,
      );
      pending.add(timer);
      return timer;
    };
    globalThis.setTimeout = watched as unknown as typeof setTimeout;
    globalThis.clearTimeout = ((timer: NodeJS.Timeout | undefined) => {
      if (timer !== undefined) {
        pending.delete(timer);
      }
      this.realClearTimeout(timer);
    }) as typeof clearTimeout;
  }

  /** Stops recording new timers; clearing recorded ones is still noticed. */
  stop(): void {
    globalThis.setTimeout = this.realSetTimeout;
  }

  /** Stops watching altogether. */
  dispose(): void {
    this.stop();
    globalThis.clearTimeout = this.realClearTimeout;
  }

  /** Recorded timers that neither fired nor were cleared and keep the process alive. */
  pendingRefed(): number {
    return [...this.pending].filter((timer) => timer.hasRef()).length;
  }
}

const FEEDBACK: KarmaFeedbackPayload = {
  user_id: 'user-42',
  score: 71.52,
  influence: 0.4304,
  signal: 'positive',
  band: 'high',
  action_count: 3,
  as_of: '2026-12-01T12:00:00.000Z',
};

describeRedis('Redis transport while readers block', () => {
  jest.setTimeout(15_000);

  let server: RedisServer | undefined;
  let admin: Redis;
  let keyPrefix: string;
  let running: RunningApp | undefined;

  beforeAll(async () => {
    server = await startRedis();
    admin = await server.connect();
  });

  afterAll(async () => {
    await server?.close();
  });

  beforeEach(async () => {
    const redis = server as RedisServer;
    keyPrefix = uniqueKeyPrefix('blocking');
    running = await startBusApp(
      {
        transport: {
          type: 'redis',
          url: redis.url,
          keyPrefix,
          consumerName: 'blocking-test',
          blockMs: BLOCK_MS,
        },
      },
      [BlockingFixtureModule],
    );
    await waitForGroup(admin, streamKey(keyPrefix, KARMA_LIFECYCLE), IDLE_GROUP);
    await waitForGroup(admin, streamKey(keyPrefix, KARMA_FEEDBACK), BUSY_GROUP);
    await waitForBlockedReaders(redis, [
      BROADCAST_CONNECTION,
      groupConnection(IDLE_GROUP),
      groupConnection(BUSY_GROUP),
    ]);
  });

  afterEach(async () => {
    await closeApps(running);
    running = undefined;
  });

  function app(): RunningApp {
    return running as RunningApp;
  }

  it('leaves no timers after close', async () => {
    const timers = new TimerWatch();

    timers.start();
    try {
      await app().app.close();
    } finally {
      timers.stop();
    }
    running = undefined;

    // A timer left behind keeps the process alive after shutdown.
    try {
      await waitFor(() => timers.pendingRefed() === 0, 1_000, 'the timers started by close()');
    } finally {
      timers.dispose();
    }
  });

  it('publishes without waiting', async () => {
    const elapsed = await elapsedMs(() => app().bus.publishFeedback(FEEDBACK));

    expect(elapsed).toBeLessThan(FAST_MS);
  });

  it('acknowledges without waiting', async () => {
    const worker = app().app.get(BusyWorker);
    const key = streamKey(keyPrefix, KARMA_FEEDBACK);
    let messageId = '';

    const elapsed = await elapsedMs(async () => {
      messageId = (await app().bus.publishFeedback(FEEDBACK)).message_id;
      await waitFor(
        async () =>
          worker.handled.length === 1 && (await pendingCount(admin, key, BUSY_GROUP)) === 0,
        BLOCK_MS,
        'the acknowledgement',
      );
    });

    expect(worker.handled).toEqual([messageId]);
    expect(elapsed).toBeLessThan(FAST_MS);
  });

  it('queries history without waiting', async () => {
    const published = await app().bus.publishFeedback(FEEDBACK);

    let items: unknown[] = [];
    const inCode = await elapsedMs(async () => {
      items = (await app().bus.history()).items;
    });
    let status = 0;
    const overHttp = await elapsedMs(async () => {
      status = (await app().http().get('/events/history')).status;
    });

    expect(items).toEqual([published]);
    expect(status).toBe(200);
    expect(inCode).toBeLessThan(FAST_MS);
    expect(overHttp).toBeLessThan(FAST_MS);
  });

  it('closes without waiting', async () => {
    const elapsed = await elapsedMs(() => app().app.close());
    running = undefined;

    expect(elapsed).toBeLessThan(BLOCK_MS / 5);
    // The server notices a closed socket a moment after the client closed it.
    const busConnections = async () =>
      (await (server as RedisServer).clientList()).filter((client) =>
        client.name.startsWith('karma-event-bus:'),
      );
    await waitFor(async () => (await busConnections()).length === 0, 1_000, 'no bus connections');
  });
});
