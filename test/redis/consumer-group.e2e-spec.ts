import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from '@jest/globals';
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
import { pendingCount, streamKey, waitForGroup } from '../support/redis-inspect.js';
import { describeRedis, startRedis, type RedisServer } from '../support/redis-server.js';
import { waitFor } from '../support/wait-for.js';

const GROUP = 'workers';

/** Records each message it handles; the same class runs in every instance of a test. */
@Injectable()
class RecordingWorker {
  readonly handled: string[] = [];

  @OnChannel(KARMA_LIFECYCLE, { group: GROUP })
  handle(message: ChannelEnvelope<'karma.lifecycle'>): void {
    this.handled.push(message.message_id);
  }
}

@Module({ providers: [RecordingWorker] })
class RecordingWorkerModule {}

/** Starts on each message and never finishes until the test releases it: a stalled consumer. */
@Injectable()
class StalledWorker {
  readonly started: string[] = [];
  private readonly releases: (() => void)[] = [];
  private released = false;

  @OnChannel(KARMA_LIFECYCLE, { group: GROUP })
  handle(message: ChannelEnvelope<'karma.lifecycle'>): Promise<void> {
    this.started.push(message.message_id);
    if (this.released) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.releases.push(resolve));
  }

  /** Lets every pending and later call finish, so the app can close without its grace period. */
  release(): void {
    this.released = true;
    this.releases.splice(0).forEach((resolve) => resolve());
  }
}

@Module({ providers: [StalledWorker] })
class StalledWorkerModule {}

function lifecycle(n: number): KarmaLifecyclePayload {
  return { user_id: `user-${n}`, event: 'birth', occurred_at: '2026-12-01T12:00:00.000Z' };
}

describeRedis('consumer groups on Redis', () => {
  let server: RedisServer | undefined;
  let admin: Redis;
  let keyPrefix: string;
  let logger: CapturingLogger;
  let apps: RunningApp[] = [];
  let stalledWorkers: StalledWorker[] = [];

  function options(consumerName: string, extra: object = {}): EventBusModuleOptions {
    return {
      transport: {
        type: 'redis',
        url: (server as RedisServer).url,
        keyPrefix,
        consumerName,
        ...extra,
      },
    };
  }

  async function start(
    consumerName: string,
    fixture: object,
    extra: object = {},
  ): Promise<RunningApp> {
    const app = await startBusApp(options(consumerName, extra), [fixture as never], logger);
    apps.push(app);
    return app;
  }

  beforeAll(async () => {
    server = await startRedis();
    admin = await server.connect();
  });

  afterAll(async () => {
    await server?.close();
  });

  beforeEach(() => {
    keyPrefix = uniqueKeyPrefix('consumer-group');
    logger = new CapturingLogger();
  });

  afterEach(async () => {
    stalledWorkers.forEach((worker) => worker.release());
    stalledWorkers = [];
    await closeApps(...apps);
    apps = [];
  });

  it('handles 1000 messages once', async () => {
    const a = await start('worker-a', RecordingWorkerModule);
    const b = await start('worker-b', RecordingWorkerModule);
    const key = streamKey(keyPrefix, KARMA_LIFECYCLE);
    await waitForGroup(admin, key, GROUP);

    const published: string[] = [];
    const publishFrom = async (app: RunningApp, first: number) => {
      for (let n = first; n < 1000; n += 2) {
        published.push((await app.bus.publishLifecycle(lifecycle(n))).message_id);
      }
    };
    await Promise.all([publishFrom(a, 0), publishFrom(b, 1)]);

    const workers = [a, b].map((app) => app.app.get(RecordingWorker));
    const handled = () => workers.flatMap((worker) => worker.handled);
    await waitFor(() => handled().length >= 1000, 15_000, '1000 handled messages');
    await waitFor(async () => (await pendingCount(admin, key, GROUP)) === 0, 5_000, 'no pending');
    const sentinel = await a.bus.publishLifecycle(lifecycle(1000));
    await waitFor(() => handled().length >= 1001, 5_000, 'the sentinel');

    expect(published).toHaveLength(1000);
    expect(handled()).toHaveLength(1001);
    expect(new Set(handled()).size).toBe(1001);
    expect([...handled()].sort()).toEqual([...published, sentinel.message_id].sort());
  }, 30_000);

  it('reclaims a stalled consumer', async () => {
    const fast = { claimIdleMs: 300 };
    const stalledApp = await start('worker-stalled', StalledWorkerModule, fast);
    const key = streamKey(keyPrefix, KARMA_LIFECYCLE);
    await waitForGroup(admin, key, GROUP);
    const published: string[] = [];
    for (let n = 0; n < 5; n++) {
      published.push((await stalledApp.bus.publishLifecycle(lifecycle(n))).message_id);
    }
    const stalled = stalledApp.app.get(StalledWorker);
    stalledWorkers.push(stalled);
    await waitFor(() => stalled.started.length >= 1, 5_000, 'the stalled consumer to start');

    const healthy = (await start('worker-healthy', RecordingWorkerModule, fast)).app.get(
      RecordingWorker,
    );
    await waitFor(
      () => published.every((id) => healthy.handled.includes(id)),
      10_000,
      `all 5 messages on the healthy consumer (got ${healthy.handled.length})`,
    );
    await waitFor(async () => (await pendingCount(admin, key, GROUP)) === 0, 5_000, 'no pending');

    expect(new Set(healthy.handled)).toEqual(new Set(published));
    expect(stalled.started[0]).toBe(published[0]);
  }, 30_000);
});
