import { afterEach, describe, expect, it } from '@jest/globals';
import { EventBusService, InvalidPayloadException, type Envelope } from '../src/event-bus/index.js';
import { analyticsPayload } from './support/karma-payloads.js';
import { startKarmaService, type KarmaService } from './support/karma-service.js';
import { startStreamApp, type StreamApp } from './support/stream-app.js';

const ISO_TIME = '2026-12-01T12:00:00Z';

/** The service's smallest allowed body limit. */
const BODY_LIMIT = 1024;

/** Channels without a schema, so any JSON payload passes except for the size bounds. */
interface BlobChannels {
  'test.blob': unknown;
}

/** Builds a lifecycle request body padded with trailing spaces to exactly `bytes` bytes. */
function lifecycleBodyOfSize(bytes: number): string {
  const json = JSON.stringify({ user_id: 'user-1', event: 'birth', occurred_at: ISO_TIME });
  return json.padEnd(bytes, ' ');
}

/** Nests `{ a: … }` so that the innermost object is `levels` levels below the payload. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 0; i < levels; i++) {
    value = { a: value };
  }
  return value;
}

function isPolluted(): boolean {
  return (
    ({} as Record<string, unknown>).polluted !== undefined ||
    Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')
  );
}

describe('Request limits (e2e)', () => {
  let running: KarmaService | undefined;
  let streamApp: StreamApp | undefined;

  afterEach(async () => {
    await running?.app.close();
    running = undefined;
    await streamApp?.app.close();
    streamApp = undefined;
  });

  describe('body size', () => {
    it('over limit gets 413', async () => {
      running = await startKarmaService({ EVENT_BUS_MAX_BODY_BYTES: String(BODY_LIMIT) });

      const response = await running
        .http()
        .post('/karma/lifecycle')
        .set('Content-Type', 'application/json')
        .send(lifecycleBodyOfSize(BODY_LIMIT + 1));

      expect(response.status).toBe(413);
      expect(response.body).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        message: [`body is larger than the limit of ${BODY_LIMIT} bytes`],
        field: 'body',
      });
      expect((await running.bus.history()).items).toEqual([]);
    });

    it('body at limit passes', async () => {
      running = await startKarmaService({ EVENT_BUS_MAX_BODY_BYTES: String(BODY_LIMIT) });

      const response = await running
        .http()
        .post('/karma/lifecycle')
        .set('Content-Type', 'application/json')
        .send(lifecycleBodyOfSize(BODY_LIMIT));

      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({
        channel: 'karma.lifecycle',
        payload: { user_id: 'user-1', event: 'birth' },
      });
    });
  });

  describe('prototype keys in bodies', () => {
    const CASES = [
      {
        key: '__proto__',
        where: 'at top level',
        body: '{"user_id":"user-1","event":"birth","__proto__":{"polluted":1}}',
      },
      {
        key: '__proto__',
        where: 'written escaped',
        body: '{"user_id":"user-1","event":"birth","\\u005f_proto__":{"polluted":1}}',
      },
      {
        key: 'constructor',
        where: 'at top level',
        body: '{"user_id":"user-1","constructor":{"polluted":1}}',
      },
      {
        key: 'prototype',
        where: 'when nested',
        body: '{"user_id":"user-1","extra":{"constructor":{"prototype":{"polluted":1}}}}',
      },
      {
        key: 'prototype',
        where: 'inside arrays',
        body: '{"actions":[{"type":"help","prototype":{"polluted":1}}]}',
      },
    ];

    it.each(CASES)('rejects $key $where', async ({ key, body }) => {
      running = await startKarmaService();

      const response = await running
        .http()
        .post('/karma/lifecycle')
        .set('Content-Type', 'application/json')
        .send(body);

      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: [`body must be valid JSON: the key "${key}" is not allowed`],
        field: 'body',
      });
      expect(isPolluted()).toBe(false);
      expect((await running.bus.history()).items).toEqual([]);
    });

    it('query strings cannot pollute', async () => {
      running = await startKarmaService();
      const protoKey = await running.http().get('/events/history?__proto__[polluted]=1');
      const constructorKey = await running
        .http()
        .get('/events/history?constructor[prototype][polluted]=1');
      // Whether a filter on a payload field named `__proto__` is accepted is up to the filter
      // rules; either way it must not fail with 500 or reach a prototype.
      const protoFilter = await running.http().get('/events/history?payload.__proto__.polluted=1');

      expect(protoKey.status).toBe(400);
      expect(protoKey.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        field: '__proto__[polluted]',
        message: [expect.stringMatching(/^__proto__\[polluted\] is not allowed; allowed: /)],
      });
      expect(constructorKey.status).toBe(400);
      expect(constructorKey.body).toMatchObject({ field: 'constructor[prototype][polluted]' });
      expect([200, 400]).toContain(protoFilter.status);
      expect(isPolluted()).toBe(false);
    });
  });

  describe('payload bounds', () => {
    async function startBlobBus(): Promise<EventBusService<BlobChannels>> {
      streamApp = await startStreamApp({
        channels: [{ name: 'test.blob' }],
        maxPayloadDepth: 3,
        maxPayloadKeys: 4,
      });
      return streamApp.bus as unknown as EventBusService<BlobChannels>;
    }

    async function rejection(publishing: Promise<unknown>): Promise<InvalidPayloadException> {
      const error = await publishing.then(
        () => new Error('the publish was accepted'),
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(InvalidPayloadException);
      return error as InvalidPayloadException;
    }

    it('too deep payload names bound', async () => {
      const bus = await startBlobBus();
      const received: Envelope[] = [];
      bus.subscribe('test.blob', (message) => void received.push(message));

      const error = await rejection(bus.publish('test.blob', nested(3)));

      expect(error.channel).toBe('test.blob');
      expect(error.field).toBe('payload.a.a.a');
      expect(error.reason).toBe('is nested deeper than 3 levels (or is a cycle)');
      expect(error.message).toBe(
        'Invalid message on "test.blob": payload.a.a.a is nested deeper than 3 levels (or is a cycle).',
      );
      expect(received).toEqual([]);
      expect((await bus.history()).items).toEqual([]);
    });

    it('depth at bound passes', async () => {
      const bus = await startBlobBus();

      const envelope = await bus.publish('test.blob', nested(2));

      expect(envelope.payload).toEqual({ a: { a: {} } });
      expect((await bus.history()).items.map((item) => item.message_id)).toEqual([
        envelope.message_id,
      ]);
    });

    it('deep arrays count too', async () => {
      const bus = await startBlobBus();

      const error = await rejection(bus.publish('test.blob', { list: [[[1]]] }));

      expect(error.field).toBe('payload.list[0][0]');
      expect(error.reason).toBe('is nested deeper than 3 levels (or is a cycle)');
    });

    it('too wide object names bound', async () => {
      const bus = await startBlobBus();

      const error = await rejection(bus.publish('test.blob', { a: 1, b: 2, c: 3, d: 4, e: 5 }));

      expect(error.field).toBe('payload');
      expect(error.message).toBe(
        'Invalid message on "test.blob": payload has 5 keys or items, more than the maximum of 4.',
      );
      expect((await bus.history()).items).toEqual([]);
    });

    it('too wide array names bound', async () => {
      const bus = await startBlobBus();

      const error = await rejection(bus.publish('test.blob', { list: [1, 2, 3, 4, 5] }));

      expect(error.field).toBe('payload.list');
      expect(error.reason).toBe('has 5 keys or items, more than the maximum of 4');
    });

    it('width at bound passes', async () => {
      const bus = await startBlobBus();

      const envelope = await bus.publish('test.blob', { list: [1, 2, 3, 4], b: 2, c: 3, d: 4 });

      expect(envelope.payload).toEqual({ list: [1, 2, 3, 4], b: 2, c: 3, d: 4 });
    });

    it('metadata has the bounds', async () => {
      const bus = await startBlobBus();

      const error = await rejection(
        bus.publish(
          'test.blob',
          {},
          {
            source: 'a',
            correlation_id: 'b',
            causation_id: 'c',
            tenant: 'd',
            region: 'e',
          },
        ),
      );

      expect(error.field).toBe('metadata');
      expect(error.reason).toBe('has 5 keys or items, more than the maximum of 4');
    });

    it('key bound from env gives 400', async () => {
      running = await startKarmaService({ EVENT_BUS_MAX_PAYLOAD_KEYS: '5' });

      const response = await running
        .http()
        .post('/karma/influence')
        .send({ user_id: 'user-1', actions: [{ type: 'help', occurred_at: ISO_TIME }] });

      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message:
          'Invalid message on "karma.feedback": payload has 7 keys or items, more than the maximum of 5.',
        field: 'payload',
      });
      expect((await running.bus.history()).items).toEqual([]);
    });

    it('depth bound from env applies', async () => {
      running = await startKarmaService({ EVENT_BUS_MAX_PAYLOAD_DEPTH: '1' });

      const error = await rejection(running.bus.publishAnalytics(analyticsPayload(1)));

      expect(error.field).toBe('payload.by_band');
      expect(error.reason).toBe('is nested deeper than 1 levels (or is a cycle)');
    });
  });

  describe('rate limit', () => {
    it('429 with Retry-After past limit', async () => {
      running = await startKarmaService({
        EVENT_BUS_RATE_LIMIT: '3',
        EVENT_BUS_RATE_WINDOW_MS: '30000',
      });

      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        statuses.push((await running.http().get('/events/channels')).status);
      }
      const limited = await running.http().get('/events/channels');

      expect(statuses).toEqual([200, 200, 200]);
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBe('30');
      expect(limited.body).toEqual({
        statusCode: 429,
        error: 'Too Many Requests',
        message: 'More than 3 requests in 30000 ms; retry after the Retry-After seconds',
      });
    });

    it('limit spans every route', async () => {
      running = await startKarmaService({ EVENT_BUS_RATE_LIMIT: '2' });

      const first = await running.http().get('/events/history');
      const second = await running.http().get('/karma/analytics');
      const third = await running
        .http()
        .post('/karma/lifecycle')
        .send({ user_id: 'user-1', event: 'birth' });

      expect([first.status, second.status, third.status]).toEqual([200, 200, 429]);
      expect((await running.bus.history()).items).toEqual([]);
    });

    it('limit counts rejected bodies', async () => {
      running = await startKarmaService({ EVENT_BUS_RATE_LIMIT: '2' });

      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await running
          .http()
          .post('/karma/lifecycle')
          .set('Content-Type', 'application/json')
          .send('{"__proto__":{}}');
        statuses.push(response.status);
      }

      expect(statuses).toEqual([400, 400, 429]);
    });

    it('probes skip the limit', async () => {
      running = await startKarmaService({ EVENT_BUS_RATE_LIMIT: '2' });

      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        for (const path of ['/health', '/health/ready', '/metrics']) {
          statuses.push((await running.http().get(path)).status);
        }
      }

      expect(statuses).toEqual(Array.from({ length: 12 }, () => 200));
      expect((await running.http().get('/events/channels')).status).toBe(200);
    });
  });

  describe('security headers', () => {
    const HELMET_HEADERS = {
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
    };

    it('helmet headers present', async () => {
      running = await startKarmaService();

      const response = await running.http().get('/events/channels');

      expect(response.status).toBe(200);
      expect(response.headers).toMatchObject(HELMET_HEADERS);
      expect(response.headers['x-powered-by']).toBeUndefined();
      const policy = response.headers['content-security-policy'];
      expect(policy).toContain("default-src 'self'");
      expect(policy).not.toContain('upgrade-insecure-requests');
    });

    it('helmet headers on rejected bodies', async () => {
      running = await startKarmaService({ EVENT_BUS_MAX_BODY_BYTES: String(BODY_LIMIT) });

      const tooLarge = await running
        .http()
        .post('/karma/lifecycle')
        .set('Content-Type', 'application/json')
        .send(lifecycleBodyOfSize(BODY_LIMIT + 1));
      const forbiddenKey = await running
        .http()
        .post('/karma/lifecycle')
        .set('Content-Type', 'application/json')
        .send('{"__proto__":{}}');

      expect(tooLarge.status).toBe(413);
      expect(forbiddenKey.status).toBe(400);
      for (const response of [tooLarge, forbiddenKey]) {
        expect(response.headers).toMatchObject(HELMET_HEADERS);
        expect(response.headers['x-powered-by']).toBeUndefined();
      }
    });
  });

  describe('CORS', () => {
    const ALLOWED = 'http://127.0.0.1:5173';
    const ALSO_ALLOWED = 'http://127.0.0.1:8080';
    const OTHER = 'http://127.0.0.1:9999';

    it('no CORS headers by default', async () => {
      running = await startKarmaService();

      const simple = await running.http().get('/events/channels').set('Origin', ALLOWED);
      const preflight = await running
        .http()
        .options('/karma/lifecycle')
        .set({ Origin: ALLOWED, 'Access-Control-Request-Method': 'POST' });

      expect(simple.status).toBe(200);
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
    });

    it('CORS for configured origins', async () => {
      running = await startKarmaService({
        EVENT_BUS_CORS_ORIGINS: `${ALLOWED}, ${ALSO_ALLOWED}`,
      });

      const allowed = await running.http().get('/events/channels').set('Origin', ALLOWED);
      const alsoAllowed = await running.http().get('/events/channels').set('Origin', ALSO_ALLOWED);
      const other = await running.http().get('/events/channels').set('Origin', OTHER);

      expect(allowed.status).toBe(200);
      expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED);
      expect(allowed.headers.vary).toContain('Origin');
      expect(alsoAllowed.headers['access-control-allow-origin']).toBe(ALSO_ALLOWED);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('preflight for configured origin', async () => {
      running = await startKarmaService({ EVENT_BUS_CORS_ORIGINS: ALLOWED });

      const preflight = await running.http().options('/karma/lifecycle').set({
        Origin: ALLOWED,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'x-api-key,content-type',
      });

      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(ALLOWED);
      expect(preflight.headers['access-control-allow-methods']).toContain('POST');
      expect(preflight.headers['access-control-allow-headers']).toBe('x-api-key,content-type');
    });
  });
});
