import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import type { Envelope, HistoryPage, KarmaAnalyticsPayload } from '../../src/event-bus/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { UUID_V4 } from '../support/http.js';
import { startKarmaService, type KarmaService } from '../support/karma-service.js';
import { closeApps, uniqueKeyPrefix } from '../support/redis-apps.js';
import { streamKey, waitForGroup } from '../support/redis-inspect.js';
import { describeRedis, startRedis, type RedisServer } from '../support/redis-server.js';
import { waitFor } from '../support/wait-for.js';

const TEST_TIMEOUT_MS = 20_000;
const DELIVERY_TIMEOUT_MS = 5_000;
const ANALYTICS_GROUP = 'karma-analytics';

/** help now 3, create x2 at 7 days 2, vote now 0.5, report at 14 days -0.5: sum 5. */
const INFLUENCE_REQUEST = {
  user_id: 'user-42',
  as_of: '2026-12-01T12:00:00Z',
  actions: [
    { type: 'help', occurred_at: '2026-12-01T12:00:00Z' },
    { type: 'create', occurred_at: '2026-11-24T12:00:00Z', magnitude: 2 },
    { type: 'vote', occurred_at: '2026-12-01T12:00:00Z' },
    { type: 'report', occurred_at: '2026-11-17T12:00:00Z' },
  ],
};

/** influence = tanh(0.5) = 0.4621, score = 50 x 1.4621 = 73.11. */
const INFLUENCE_RESULT = {
  user_id: 'user-42',
  score: 73.11,
  influence: 0.4621,
  signal: 'positive',
  band: 'high',
  action_count: 4,
  as_of: '2026-12-01T12:00:00.000Z',
};

const LIFECYCLE_REQUEST = {
  user_id: 'user-7',
  event: 'birth',
  occurred_at: '2026-12-01T12:00:00Z',
};

describeRedis('AppModule with two instances on Redis', () => {
  let server: RedisServer | undefined;
  let admin: Redis;
  let keyPrefix: string;
  let logger: CapturingLogger;
  let a: KarmaService | undefined;
  let b: KarmaService | undefined;

  /** Starts the real service on the shared Redis, as `main.ts` would with these variables. */
  function startInstance(consumerName: string): Promise<KarmaService> {
    const env = {
      EVENT_BUS_REDIS_URL: (server as RedisServer).url,
      EVENT_BUS_KEY_PREFIX: keyPrefix,
      EVENT_BUS_CONSUMER_NAME: consumerName,
      // The tests poll the routes every few milliseconds, past the default rate limit.
      EVENT_BUS_RATE_LIMIT: '1000000',
    };
    return startKarmaService(env, { logger });
  }

  /**
   * Waits until the analytics group exists, so a publish from now on reaches the group.
   * NOTE: `app.init()` can resolve before the group reader has created the group. A message
   * published in between never reaches the group, which the transport contract suite pins.
   */
  async function waitForAnalyticsGroup(): Promise<void> {
    for (const channel of ['karma.feedback', 'karma.lifecycle']) {
      await waitForGroup(admin, streamKey(keyPrefix, channel), ANALYTICS_GROUP);
    }
  }

  async function history(app: KarmaService, query: string): Promise<HistoryPage> {
    const response = await app.http().get(`/events/history?${query}`);
    expect(response.status).toBe(200);
    return response.body as HistoryPage;
  }

  /** Waits until the analytics listeners published `count` summaries in all. */
  async function waitForAnalyticsSummaries(app: KarmaService, count: number): Promise<void> {
    await waitFor(
      async () => (await history(app, 'channel=karma.analytics&limit=1000')).items.length >= count,
      DELIVERY_TIMEOUT_MS,
      `${count} karma.analytics summaries`,
    );
  }

  async function analyticsTotals(app: KarmaService): Promise<KarmaAnalyticsPayload | null> {
    const response = await app.http().get('/karma/analytics');
    expect(response.status).toBe(200);
    return (response.body as { totals: KarmaAnalyticsPayload | null }).totals;
  }

  async function summedTotals(): Promise<{ feedback: number; lifecycle: number }> {
    const totals = [
      await analyticsTotals(a as KarmaService),
      await analyticsTotals(b as KarmaService),
    ];
    return {
      feedback: totals.reduce((sum, item) => sum + (item?.feedback_count ?? 0), 0),
      lifecycle: totals.reduce((sum, item) => sum + (item?.lifecycle_count ?? 0), 0),
    };
  }

  beforeAll(async () => {
    server = await startRedis();
    admin = await server.connect();
  });

  afterAll(async () => {
    await server?.close();
  });

  beforeEach(async () => {
    keyPrefix = uniqueKeyPrefix('two-instances');
    logger = new CapturingLogger();
    a = await startInstance('instance-a');
    b = await startInstance('instance-b');
    await waitForAnalyticsGroup();
  });

  afterEach(async () => {
    await closeApps(a, b);
    a = undefined;
    b = undefined;
  });

  it(
    'shares one influence publish',
    async () => {
      const [appA, appB] = [a as KarmaService, b as KarmaService];
      const published = await appA.http().post('/karma/influence').send(INFLUENCE_REQUEST);
      expect(published.status).toBe(200);
      expect(published.body).toEqual({
        ...INFLUENCE_RESULT,
        message_id: expect.stringMatching(UUID_V4),
      });
      const messageId = published.body.message_id as string;

      const feedbackOnB = await history(appB, 'channel=karma.feedback');
      expect(feedbackOnB.items.map((item) => item.message_id)).toEqual([messageId]);
      expect(feedbackOnB.items[0].payload).toEqual(INFLUENCE_RESULT);

      for (const app of [appA, appB]) {
        await waitFor(
          async () => (await app.http().get('/karma/scores/user-42')).status === 200,
          DELIVERY_TIMEOUT_MS,
          'the scoreboard entry of user-42',
        );
      }
      await waitForAnalyticsSummaries(appA, 1);

      // A lifecycle event published after the feedback message, handled once as well, shows
      // that no second delivery of the feedback message is still on its way.
      const lifecycle = await appB.http().post('/karma/lifecycle').send(LIFECYCLE_REQUEST);
      expect(lifecycle.status).toBe(201);
      await waitForAnalyticsSummaries(appA, 2);

      for (const app of [appA, appB]) {
        const score = await app.http().get('/karma/scores/user-42');
        expect(score.status).toBe(200);
        expect(score.body).toEqual({
          user_id: 'user-42',
          score: 73.11,
          band: 'high',
          message_id: messageId,
          updates: 1,
        });
      }
      expect(await summedTotals()).toEqual({ feedback: 1, lifecycle: 1 });
      const summaries = await history(appB, 'channel=karma.analytics&order=asc');
      expect(summaries.items.map((item) => item.metadata?.causation_id)).toEqual([
        messageId,
        lifecycle.body.message_id,
      ]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'serves identical history',
    async () => {
      const [appA, appB] = [a as KarmaService, b as KarmaService];
      for (let i = 0; i < 3; i++) {
        const feedback = await appA.http().post('/karma/influence').send(INFLUENCE_REQUEST);
        expect(feedback.status).toBe(200);
        const lifecycle = await appB.http().post('/karma/lifecycle').send(LIFECYCLE_REQUEST);
        expect(lifecycle.status).toBe(201);
      }
      await waitForAnalyticsSummaries(appA, 6);

      const fromA = await history(appA, 'limit=1000');
      const fromB = await history(appB, 'limit=1000');
      expect(fromA.items).toHaveLength(12);
      expect(fromB).toEqual(fromA);
      expect(await history(appB, 'limit=1000&order=asc')).toEqual(
        await history(appA, 'limit=1000&order=asc'),
      );
      expect(await pageThrough(appA, appB)).toEqual(fromA.items.map(idOf));

      await closeApps(appA);
      a = await startInstance('instance-a');
      expect(await history(a, 'limit=1000')).toEqual(fromA);
      // A restarted instance receives only messages published after it started.
      const score = await a.http().get('/karma/scores/user-42');
      expect(score.status).toBe(404);
    },
    TEST_TIMEOUT_MS,
  );

  /** Reads history in pages of 5, alternating instances, and returns the ids seen. */
  async function pageThrough(first: KarmaService, second: KarmaService): Promise<string[]> {
    const ids: string[] = [];
    let before: string | null = null;
    for (let page = 0; page < 10; page++) {
      const app = page % 2 === 0 ? first : second;
      const query = before === null ? 'limit=5' : `limit=5&before=${before}`;
      const body = await history(app, query);
      ids.push(...body.items.map(idOf));
      before = body.next_cursor;
      if (before === null) {
        break;
      }
    }
    return ids;
  }
});

function idOf(envelope: Envelope): string {
  return envelope.message_id;
}
