import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { HeldListener, HeldListenerModule } from './support/held-listener.js';
import { lifecyclePayload } from './support/karma-payloads.js';
import { startKarmaService, type KarmaService } from './support/karma-service.js';
import { parseSamples, samplesNamed } from './support/prometheus-text.js';
import { describeOwnRedis, startRedis, type RedisServer } from './support/redis-server.js';
import { SseClient } from './support/sse-client.js';
import { waitFor } from './support/wait-for.js';
import { WsTestClient } from './support/ws-client.js';

const ISO_TIME = '2026-12-01T12:00:00Z';

const MESSAGE_COUNTERS = [
  'event_bus_messages_published_total',
  'event_bus_messages_delivered_total',
  'event_bus_messages_failed_total',
  'event_bus_messages_retried_total',
  'event_bus_messages_dead_lettered_total',
];

/** Builds the readiness details of a bus as `/health/ready` reports them. */
function busDetails(overrides: Record<string, unknown> = {}) {
  return {
    transport: 'memory',
    listeners_bound: true,
    transport_reachable: true,
    accepting_publishes: true,
    status: 'up',
    ...overrides,
  };
}

describe('Observability (e2e)', () => {
  let service: KarmaService | undefined;
  const clients: { close(): Promise<void> }[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await service?.app.close();
    service = undefined;
  });

  async function scrape(app: KarmaService): Promise<string> {
    const response = await app.http().get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    return response.text;
  }

  describe('GET /health', () => {
    it('returns 200 while running', async () => {
      service = await startKarmaService();

      const response = await service.http().get('/health');

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
    });
  });

  describe('GET /health/ready', () => {
    it('returns 200 with details', async () => {
      service = await startKarmaService();

      const response = await service.http().get('/health/ready');

      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        status: 'ok',
        info: { event_bus: busDetails() },
        error: {},
        details: { event_bus: busDetails() },
      });
    });

    it('returns 503 once shutdown began', async () => {
      service = await startKarmaService({}, { fixtures: [HeldListenerModule] });
      const app = service;
      const listener = app.app.get(HeldListener);
      await app.http().post('/karma/lifecycle').send({ user_id: 'user-1', event: 'birth' });
      expect(listener.calls).toBe(1);

      const closing = app.app.close();
      await waitFor(async () => !(await app.bus.status()).accepting, 2_000, 'shutdown to begin');
      const response = await app.http().get('/health/ready');
      listener.release();
      await closing;
      service = undefined;

      const down = busDetails({ accepting_publishes: false, status: 'down' });
      expect(response.status).toBe(503);
      expect(response.body).toEqual({
        // Terminus reports this status once the app is shutting down.
        status: 'shutting_down',
        info: {},
        error: { event_bus: down },
        details: { event_bus: down },
      });
    });
  });

  describe('GET /metrics', () => {
    it('exact counters after traffic', async () => {
      service = await startKarmaService();
      const app = service;

      for (const userId of ['user-1', 'user-2']) {
        const lifecycle = await app
          .http()
          .post('/karma/lifecycle')
          .send({ user_id: userId, event: 'birth', occurred_at: ISO_TIME });
        expect(lifecycle.status).toBe(201);
      }
      const influence = await app
        .http()
        .post('/karma/influence')
        .send({ user_id: 'user-1', actions: [{ type: 'help', occurred_at: ISO_TIME }] });
      expect(influence.status).toBe(200);
      await app.bus.idle();
      const text = await scrape(app);

      expect(samplesNamed(text, MESSAGE_COUNTERS)).toEqual({
        'event_bus_messages_published_total{channel="karma.lifecycle"}': 2,
        'event_bus_messages_published_total{channel="karma.feedback"}': 1,
        'event_bus_messages_published_total{channel="karma.analytics"}': 3,
        'event_bus_messages_delivered_total{channel="karma.lifecycle",listener="KarmaAnalyticsListener.onLifecycle"}': 2,
        'event_bus_messages_delivered_total{channel="karma.feedback",listener="KarmaAnalyticsListener.onFeedback"}': 1,
        'event_bus_messages_delivered_total{channel="karma.feedback",listener="KarmaScoreboardListener.onFeedback"}': 1,
      });
      expect(samplesNamed(text, ['event_bus_handler_duration_seconds_count'])).toEqual({
        'event_bus_handler_duration_seconds_count{channel="karma.lifecycle",listener="KarmaAnalyticsListener.onLifecycle"}': 2,
        'event_bus_handler_duration_seconds_count{channel="karma.feedback",listener="KarmaAnalyticsListener.onFeedback"}': 1,
        'event_bus_handler_duration_seconds_count{channel="karma.feedback",listener="KarmaScoreboardListener.onFeedback"}': 1,
      });
      expect(
        samplesNamed(text, ['event_bus_history_messages', 'event_bus_stream_clients']),
      ).toEqual({
        'event_bus_history_messages{channel="karma.feedback"}': 1,
        'event_bus_history_messages{channel="karma.lifecycle"}': 2,
        'event_bus_history_messages{channel="karma.analytics"}': 3,
        event_bus_stream_clients: 0,
      });
    });

    it('histogram buckets add up', async () => {
      service = await startKarmaService();
      await service.bus.publishLifecycle(lifecyclePayload('user-1'));
      await service.bus.idle();

      const samples = parseSamples(await scrape(service));
      const series = 'channel="karma.lifecycle",listener="KarmaAnalyticsListener.onLifecycle"';

      expect(samples.get(`event_bus_handler_duration_seconds_bucket{le="+Inf",${series}}`)).toBe(1);
      expect(samples.get(`event_bus_handler_duration_seconds_count{${series}}`)).toBe(1);
      expect(samples.get(`event_bus_handler_duration_seconds_sum{${series}}`)).toBeGreaterThan(0);
    });

    it('counts stream clients', async () => {
      service = await startKarmaService();
      const app = service;
      const gauge = async () =>
        parseSamples(await scrape(app)).get('event_bus_stream_clients') as number;

      expect(await gauge()).toBe(0);
      const sse = await SseClient.connect(`${app.baseUrl}/events/stream`);
      const ws = await WsTestClient.connect(`${app.wsUrl}/events/ws`);
      clients.push(sse, ws);
      await waitFor(async () => (await gauge()) === 2, 2_000, 'two stream clients');

      await sse.close();
      await ws.close();
      await waitFor(async () => (await gauge()) === 0, 2_000, 'no stream clients');
      expect(await gauge()).toBe(0);
    });
  });

  describeOwnRedis('with Redis', () => {
    let redis: RedisServer;

    beforeAll(async () => {
      redis = await startRedis({ ownServer: true });
    });

    afterEach(async () => {
      if (!redis.running) {
        await redis.restart();
      }
    });

    afterAll(async () => {
      await redis?.close();
    });

    function startOnRedis(): Promise<KarmaService> {
      return startKarmaService({
        EVENT_BUS_REDIS_URL: redis.url,
        EVENT_BUS_KEY_PREFIX: `karma-bus-test:observability:${randomUUID().slice(0, 8)}:`,
        EVENT_BUS_CONSUMER_NAME: 'observability-test',
      });
    }

    async function waitForReadiness(app: KarmaService, status: number) {
      let last = await app.http().get('/health/ready');
      await waitFor(
        async () => {
          last = await app.http().get('/health/ready');
          return last.status === status;
        },
        5_000,
        `readiness status ${status}`,
      );
      return last;
    }

    it('readiness 503 when Redis is down', async () => {
      service = await startOnRedis();
      const up = await service.http().get('/health/ready');

      await redis.kill();
      const down = await waitForReadiness(service, 503);

      expect(up.status).toBe(200);
      expect(up.body).toMatchObject({
        status: 'ok',
        details: { event_bus: busDetails({ transport: 'redis' }) },
      });
      const lost = busDetails({ transport: 'redis', transport_reachable: false, status: 'down' });
      expect(down.body).toEqual({
        status: 'error',
        info: {},
        error: { event_bus: lost },
        details: { event_bus: lost },
      });
    });

    it('Redis gauges per group', async () => {
      service = await startOnRedis();

      const text = await scrape(service);

      expect(
        samplesNamed(text, [
          'event_bus_redis_pending_messages',
          'event_bus_redis_group_lag_messages',
        ]),
      ).toEqual({
        'event_bus_redis_pending_messages{group="karma-analytics",channel="karma.feedback"}': 0,
        'event_bus_redis_pending_messages{group="karma-analytics",channel="karma.lifecycle"}': 0,
        'event_bus_redis_group_lag_messages{group="karma-analytics",channel="karma.feedback"}': 0,
        'event_bus_redis_group_lag_messages{group="karma-analytics",channel="karma.lifecycle"}': 0,
      });
    });

    it('metrics served during outage', async () => {
      service = await startOnRedis();
      await redis.kill();
      await waitForReadiness(service, 503);

      const response = await service.http().get('/metrics');

      expect(response.status).toBe(200);
      expect(response.text).toContain('# TYPE event_bus_messages_published_total counter');
    });
  });
});
