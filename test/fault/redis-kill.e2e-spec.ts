import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import {
  TransportUnavailableException,
  type Envelope,
  type EventBusService,
  type SubscribeOptions,
  type Subscription,
} from '../../src/event-bus/index.js';
import { closeApps, startBusApp, uniqueKeyPrefix, type RunningApp } from '../support/redis-apps.js';
import { pendingCount, streamKey, waitForGroup } from '../support/redis-inspect.js';
import { describeOwnRedis, startRedis, type RedisServer } from '../support/redis-server.js';
import { waitFor } from '../support/wait-for.js';

const CHANNEL = 'fault.orders';
const GROUP = 'kill-recorders';
const PRODUCERS = 4;
const KILL_CYCLES = 3;

/** Successful publishes to wait for before each kill, and after each restart. */
const RESOLVED_PER_PHASE = 400;
/** Rejections to see during each outage before restarting Redis. */
const REJECTIONS_PER_OUTAGE = 20;
/**
 * A producer that got this many rejections in a row waits until Redis is reachable again, or
 * until the outage begins.
 */
const REJECTIONS_BEFORE_WAITING = 10;

/** Every publish must settle this fast, also the ones in flight when Redis dies. */
const SETTLE_WITHIN_MS = 2_000;
/** Upper bounds of the producers, so the load stops by itself. */
const MAX_ATTEMPTS = 20_000;
const LOAD_TIME_LIMIT_MS = 40_000;

/** What happened to one publish. */
interface Attempt {
  n: number;
  outcome: 'resolved' | 'rejected' | 'hung';
  messageId?: string;
  error?: unknown;
  elapsedMs: number;
  /** Started after Redis was killed and before it was started again. */
  duringOutage: boolean;
}

/** The bus typed loosely, for the test's own channel. */
interface LooseBus {
  publish(channel: string, payload: unknown): Promise<Envelope>;
  subscribe(
    channel: string,
    handler: (message: Envelope) => void,
    options: SubscribeOptions,
  ): Subscription;
}

/** Publishes `{ n }` and records how it settled; a publish slower than the deadline is `hung`. */
async function attemptPublish(
  bus: EventBusService,
  n: number,
  duringOutage: boolean,
): Promise<Attempt> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), SETTLE_WITHIN_MS);
  });
  try {
    const result = await Promise.race([
      (bus as unknown as LooseBus).publish(CHANNEL, { n }),
      deadline,
    ]);
    const elapsedMs = performance.now() - started;
    return result === 'hung'
      ? { n, outcome: 'hung', elapsedMs, duringOutage }
      : { n, outcome: 'resolved', messageId: result.message_id, elapsedMs, duringOutage };
  } catch (error) {
    return { n, outcome: 'rejected', error, elapsedMs: performance.now() - started, duringOutage };
  } finally {
    clearTimeout(timer);
  }
}

describeOwnRedis('EventBusService when Redis is killed', () => {
  let server: RedisServer | undefined;
  let running: RunningApp | undefined;
  let admin: Redis;

  beforeAll(async () => {
    server = await startRedis({ appendOnly: true, ownServer: true });
    admin = await server.connect();
  });

  afterEach(async () => {
    await closeApps(running);
    running = undefined;
  });

  afterAll(async () => {
    await server?.close();
  });

  it('delivers every acknowledged publish', async () => {
    const redis = server as RedisServer;
    const keyPrefix = uniqueKeyPrefix('kill');
    running = await startBusApp({
      channels: [{ name: CHANNEL }],
      transport: {
        type: 'redis',
        url: redis.url,
        keyPrefix,
        consumerName: 'kill-test',
        blockMs: 500,
        claimIdleMs: 1_000,
        retryBaseMs: 10,
        retryMaxMs: 200,
        connectTimeoutMs: 2_000,
        maxLen: 100_000,
      },
    });
    const bus = running.bus;
    const handled: string[] = [];
    (bus as unknown as LooseBus).subscribe(CHANNEL, (message) => handled.push(message.message_id), {
      group: GROUP,
      name: 'KillRecorder',
    });
    await waitForGroup(admin, streamKey(keyPrefix, CHANNEL), GROUP);

    const attempts: Attempt[] = [];
    let next = 0;
    let outage = false;
    let stop = false;
    const loadStarted = performance.now();
    const producer = async (): Promise<void> => {
      let rejectedInRow = 0;
      while (!stop && next < MAX_ATTEMPTS && performance.now() - loadStarted < LOAD_TIME_LIMIT_MS) {
        const attempt = await attemptPublish(bus, next++, outage);
        attempts.push(attempt);
        rejectedInRow = attempt.outcome === 'resolved' ? 0 : rejectedInRow + 1;
        if (rejectedInRow >= REJECTIONS_BEFORE_WAITING) {
          // Rejections that came before the outage began (while the kill was under way) must
          // not park the producer for the outage, which needs rejections of its own.
          const parkedInOutage = outage;
          await waitFor(
            async () =>
              stop || outage !== parkedInOutage || (await bus.status()).transportReachable,
            LOAD_TIME_LIMIT_MS,
            'Redis to answer again, or the outage to begin',
          );
          rejectedInRow = 0;
        }
      }
    };
    const count = (outcome: Attempt['outcome'], phase?: (attempt: Attempt) => boolean) =>
      attempts.filter((attempt) => attempt.outcome === outcome && (phase?.(attempt) ?? true))
        .length;

    const producers = Promise.all(Array.from({ length: PRODUCERS }, producer));
    try {
      for (let cycle = 1; cycle <= KILL_CYCLES; cycle++) {
        const resolvedBefore = count('resolved');
        await waitFor(
          () => count('resolved') >= resolvedBefore + RESOLVED_PER_PHASE,
          15_000,
          `${RESOLVED_PER_PHASE} publishes to succeed before kill ${cycle}`,
        );
        await redis.kill();
        outage = true;
        const rejectedBefore = count('rejected', (attempt) => attempt.duringOutage);
        await waitFor(
          () =>
            count('rejected', (attempt) => attempt.duringOutage) >=
            rejectedBefore + REJECTIONS_PER_OUTAGE,
          10_000,
          `${REJECTIONS_PER_OUTAGE} publishes to fail during outage ${cycle}`,
        );
        outage = false;
        await redis.restart();
      }
      const resolvedBefore = count('resolved');
      await waitFor(
        () => count('resolved') >= resolvedBefore + RESOLVED_PER_PHASE,
        15_000,
        `${RESOLVED_PER_PHASE} publishes to succeed after the last restart`,
      );
    } finally {
      stop = true;
      await producers;
    }
    const loadMs = performance.now() - loadStarted;

    const resolvedIds = attempts.flatMap((attempt) =>
      attempt.messageId === undefined ? [] : [attempt.messageId],
    );
    await waitFor(
      () => {
        const seen = new Set(handled);
        return resolvedIds.every((id) => seen.has(id));
      },
      20_000,
      'the group to handle every resolved publish',
    );
    const handledSet = new Set(handled);
    await waitFor(
      async () => (await pendingCount(admin, streamKey(keyPrefix, CHANNEL), GROUP)) === 0,
      10_000,
      'every group message to be acknowledged',
    );

    const stored = new Map<string, number>();
    for (let cursor: string | null | undefined; cursor !== null;) {
      const page = await bus.history({
        channel: CHANNEL,
        order: 'asc',
        limit: 1000,
        after: cursor,
      });
      page.items.forEach((item) => stored.set(item.message_id, (item.payload as { n: number }).n));
      cursor = page.next_cursor;
    }
    const storedNumbers = new Set(stored.values());
    const rejectedDuringOutage = attempts.filter(
      (attempt) => attempt.outcome === 'rejected' && attempt.duringOutage,
    );
    const summary = {
      loadSeconds: Number((loadMs / 1000).toFixed(1)),
      killCycles: KILL_CYCLES,
      attempts: attempts.length,
      resolved: resolvedIds.length,
      rejected: count('rejected'),
      rejectedDuringOutage: rejectedDuringOutage.length,
      hung: count('hung'),
      slowestRejectionMs: Math.round(
        Math.max(0, ...attempts.filter((a) => a.outcome === 'rejected').map((a) => a.elapsedMs)),
      ),
      deliveredUnique: new Set(handled).size,
      deliveries: handled.length,
      duplicates: handled.length - new Set(handled).size,
      lost: resolvedIds.filter((id) => !handledSet.has(id)).length,
      rejectedButStored: attempts.filter((a) => a.outcome === 'rejected' && storedNumbers.has(a.n))
        .length,
    };
    console.log(`Redis kill test: ${JSON.stringify(summary)}`);

    expect(summary.hung).toBe(0);
    expect(
      attempts
        .filter(
          (attempt) =>
            attempt.outcome === 'rejected' &&
            !(attempt.error instanceof TransportUnavailableException),
        )
        .map((attempt) => String(attempt.error)),
    ).toEqual([]);
    expect(summary.rejectedDuringOutage).toBeGreaterThanOrEqual(
      KILL_CYCLES * REJECTIONS_PER_OUTAGE,
    );
    expect(summary.lost).toBe(0);
    expect(resolvedIds.filter((id) => !stored.has(id))).toEqual([]);
    expect(
      rejectedDuringOutage.filter((attempt) => storedNumbers.has(attempt.n)).map((a) => a.n),
    ).toEqual([]);
  }, 90_000);
});
