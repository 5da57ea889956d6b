import { afterEach, describe, expect, it } from '@jest/globals';
import type { Response } from 'supertest';
import { WebSocket } from 'ws';
import { feedbackPayload } from './support/karma-payloads.js';
import { logText, startKarmaService, type KarmaService } from './support/karma-service.js';
import { SseClient } from './support/sse-client.js';
import { WsTestClient } from './support/ws-client.js';

const FULL_KEY = 'full-key-4f1c9a0d7e6b52c3';
const READ_KEY = 'read-key-8b2e6f1a9c0d3e57';
const PUBLISH_KEY = 'publish-key-1d7a3c9e5b0f';
const WRONG_KEY = 'wrong-key-6e0b8d2f4a1c97';
const ALL_KEYS = [FULL_KEY, READ_KEY, PUBLISH_KEY, WRONG_KEY];

const API_KEYS_ENV = `${FULL_KEY}=read,publish;${READ_KEY}=read;${PUBLISH_KEY}=publish`;

const MISSING_KEY_BODY = {
  statusCode: 401,
  error: 'Unauthorized',
  message: 'An API key is required: send Authorization: Bearer <key> or X-API-Key: <key>',
};
const INVALID_KEY_BODY = {
  statusCode: 401,
  error: 'Unauthorized',
  message: 'The API key is not valid',
};

function forbiddenBody(scope: 'read' | 'publish', has: string) {
  return {
    statusCode: 403,
    error: 'Forbidden',
    message: `The API key lacks the "${scope}" scope; it has: ${has}`,
  };
}

type KeyHeaders = Record<string, string>;

const NO_HEADERS: KeyHeaders = {};
const asXApiKey = (key: string): KeyHeaders => ({ 'X-API-Key': key });
const asBearer = (key: string): KeyHeaders => ({ Authorization: `Bearer ${key}` });

/** Status, headers and JSON body of one response. */
interface Outcome {
  status: number;
  body: unknown;
  contentType: string | undefined;
}

/** One guarded route: how to call it, the scope it needs and what a permitted call returns. */
interface RouteCase {
  method: 'GET' | 'POST';
  path: string;
  scope: 'read' | 'publish';
  send(running: KarmaService, headers: KeyHeaders): Promise<Outcome>;
  expectPermitted(outcome: Outcome): void;
}

const ISO_TIME = '2026-12-01T12:00:00Z';

/** A well-formed message id that is not in history. */
const UNKNOWN_MESSAGE_ID = '3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c';

function outcomeOf(response: Response): Outcome {
  return {
    status: response.status,
    body: response.body as unknown,
    contentType: response.headers['content-type'],
  };
}

function jsonRoute(
  method: 'GET' | 'POST',
  path: string,
  body: object | undefined,
  expectPermitted: (outcome: Outcome) => void,
): RouteCase {
  return {
    method,
    path,
    scope: method === 'GET' ? 'read' : 'publish',
    async send(running, headers) {
      const call = method === 'GET' ? running.http().get(path) : running.http().post(path);
      const response = await call.set(headers).send(body);
      return outcomeOf(response);
    },
    expectPermitted,
  };
}

/** Reads the stream's status; a permitted stream is closed once its headers arrived. */
async function sendStream(url: string, headers: KeyHeaders): Promise<Outcome> {
  const client = await SseClient.connect(url, { headers });
  if (client.status === 200) {
    const contentType = client.headers['content-type'];
    await client.close();
    return { status: 200, body: undefined, contentType };
  }
  const text = await client.body();
  return {
    status: client.status,
    body: JSON.parse(text) as unknown,
    contentType: client.headers['content-type'],
  };
}

const ROUTES: RouteCase[] = [
  jsonRoute('GET', '/events/history', undefined, ({ status, body }) => {
    expect(status).toBe(200);
    expect(body).toEqual({ items: [], next_cursor: null });
  }),
  jsonRoute('GET', '/events/channels', undefined, ({ status, body }) => {
    expect(status).toBe(200);
    const names = (body as { items: { name: string }[] }).items.map((item) => item.name);
    expect(names).toEqual(['karma.feedback', 'karma.lifecycle', 'karma.analytics']);
  }),
  jsonRoute('GET', '/events/dead-letters', undefined, ({ status, body }) => {
    expect(status).toBe(200);
    expect(body).toEqual({ items: [], next_cursor: null });
  }),
  jsonRoute('POST', '/events/dead-letters/1/republish', undefined, ({ status, body }) => {
    // Past the guard, the route itself returns 404 because there is no dead letter 1.
    expect(status).toBe(404);
    expect(body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Dead letter "1" was not found; list current ones with GET /events/dead-letters.',
    });
  }),
  jsonRoute('GET', '/events/asyncapi.json', undefined, ({ status, body }) => {
    expect(status).toBe(200);
    expect(body).toMatchObject({ asyncapi: expect.stringMatching(/^3\./) });
  }),
  jsonRoute('GET', `/events/${UNKNOWN_MESSAGE_ID}`, undefined, ({ status, body }) => {
    expect(status).toBe(404);
    expect(body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: `Message ${UNKNOWN_MESSAGE_ID} is not in history`,
    });
  }),
  jsonRoute('GET', `/events/${UNKNOWN_MESSAGE_ID}/trace`, undefined, ({ status, body }) => {
    expect(status).toBe(404);
    expect(body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: `Message ${UNKNOWN_MESSAGE_ID} is not in history`,
    });
  }),
  {
    method: 'GET',
    path: '/events/stream',
    scope: 'read',
    send: (running, headers) => sendStream(`${running.baseUrl}/events/stream`, headers),
    expectPermitted: ({ status, contentType }) => {
      expect(status).toBe(200);
      expect(contentType).toBe('text/event-stream; charset=utf-8');
    },
  },
  jsonRoute(
    'POST',
    '/karma/influence',
    { user_id: 'user-1', actions: [{ type: 'help', occurred_at: ISO_TIME }], as_of: ISO_TIME },
    ({ status, body }) => {
      expect(status).toBe(200);
      expect(body).toMatchObject({ user_id: 'user-1', action_count: 1 });
    },
  ),
  jsonRoute(
    'POST',
    '/karma/lifecycle',
    { user_id: 'user-1', event: 'birth', occurred_at: ISO_TIME },
    ({ status, body }) => {
      expect(status).toBe(201);
      expect(body).toMatchObject({
        channel: 'karma.lifecycle',
        payload: { user_id: 'user-1', event: 'birth', occurred_at: '2026-12-01T12:00:00.000Z' },
      });
    },
  ),
  jsonRoute('GET', '/karma/analytics', undefined, ({ status, body }) => {
    expect(status).toBe(200);
    expect(body).toEqual({ totals: null });
  }),
  jsonRoute('GET', '/karma/scores/user-1', undefined, ({ status, body }) => {
    // Past the guard, the route itself returns 404 because this user has no score yet.
    expect(status).toBe(404);
    expect(body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'No karma.feedback message for user "user-1" reached this instance yet',
    });
  }),
];

describe('API keys (e2e)', () => {
  let running: KarmaService | undefined;
  const sockets: WsTestClient[] = [];

  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.close()));
    await running?.app.close();
    running = undefined;
  });

  async function startWithKeys(): Promise<KarmaService> {
    running = await startKarmaService({ EVENT_BUS_API_KEYS: API_KEYS_ENV });
    return running;
  }

  describe('when keys are configured', () => {
    it.each(ROUTES)('$method $path needs $scope', async (route) => {
      const app = await startWithKeys();
      const lacking = route.scope === 'read' ? PUBLISH_KEY : READ_KEY;
      const lackingScopes = route.scope === 'read' ? 'publish' : 'read';

      const missing = await route.send(app, NO_HEADERS);
      expect(missing.status).toBe(401);
      expect(missing.body).toEqual(MISSING_KEY_BODY);

      for (const headers of [asXApiKey(WRONG_KEY), asBearer(WRONG_KEY)]) {
        const wrong = await route.send(app, headers);
        expect(wrong.status).toBe(401);
        expect(wrong.body).toEqual(INVALID_KEY_BODY);
      }

      for (const headers of [asXApiKey(lacking), asBearer(lacking)]) {
        const forbidden = await route.send(app, headers);
        expect(forbidden.status).toBe(403);
        expect(forbidden.body).toEqual(forbiddenBody(route.scope, lackingScopes));
      }

      const scoped = route.scope === 'read' ? READ_KEY : PUBLISH_KEY;
      for (const key of [scoped, FULL_KEY]) {
        route.expectPermitted(await route.send(app, asXApiKey(key)));
        route.expectPermitted(await route.send(app, asBearer(key)));
      }
    });

    it('table covers every route', async () => {
      const app = await startWithKeys();

      const registered = guardedRoutes(app).map(({ method, path }) => `${method} ${path}`);
      const tabled = ROUTES.map(({ method, path }) => `${method} ${path}`);

      expect(registered.map(withSampleParams).sort()).toEqual([...tabled].sort());
    });

    it('every route rejects missing key', async () => {
      const app = await startWithKeys();

      const outcomes = [];
      for (const { method, path } of guardedRoutes(app)) {
        const url = withSampleParams(path);
        const call = method === 'GET' ? app.http().get(url) : app.http().post(url);
        const response = await call.send({});
        outcomes.push({ route: `${method} ${path}`, status: response.status, body: response.body });
      }

      expect(outcomes.length).toBeGreaterThanOrEqual(ROUTES.length);
      for (const outcome of outcomes) {
        expect(outcome).toEqual({ ...outcome, status: 401, body: MISSING_KEY_BODY });
      }
    });

    it('HEAD needs read scope', async () => {
      const app = await startWithKeys();

      const missing = await app.http().head('/events/channels');
      expect(missing.status).toBe(401);
      const forbidden = await app.http().head('/events/channels').set(asXApiKey(PUBLISH_KEY));
      expect(forbidden.status).toBe(403);
      const permitted = await app.http().head('/events/channels').set(asXApiKey(READ_KEY));
      expect(permitted.status).toBe(200);
    });

    it('bearer key wins over X-API-Key', async () => {
      const app = await startWithKeys();

      const response = await app
        .http()
        .get('/events/channels')
        .set({ Authorization: `Bearer ${WRONG_KEY}`, 'X-API-Key': READ_KEY });

      expect(response.status).toBe(401);
      expect(response.body).toEqual(INVALID_KEY_BODY);
    });

    it('query key accepted on stream', async () => {
      const app = await startWithKeys();
      const streamUrl = (key: string) => `${app.baseUrl}/events/stream?api_key=${key}`;

      const permitted = await sendStream(streamUrl(READ_KEY), NO_HEADERS);
      expect(permitted.status).toBe(200);
      expect(permitted.contentType).toBe('text/event-stream; charset=utf-8');

      const wrong = await sendStream(streamUrl(WRONG_KEY), NO_HEADERS);
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual(INVALID_KEY_BODY);

      const forbidden = await sendStream(streamUrl(PUBLISH_KEY), NO_HEADERS);
      expect(forbidden.status).toBe(403);
      expect(forbidden.body).toEqual(forbiddenBody('read', 'publish'));
    });

    it('query key ignored elsewhere', async () => {
      const app = await startWithKeys();

      for (const path of ['/events/history', '/events/channels', '/karma/analytics']) {
        const response = await app.http().get(`${path}?api_key=${FULL_KEY}`);
        expect({ path, status: response.status }).toEqual({ path, status: 401 });
        expect(response.body).toEqual(MISSING_KEY_BODY);
      }

      const post = await app
        .http()
        .post(`/karma/lifecycle?api_key=${FULL_KEY}`)
        .send({ user_id: 'user-1', event: 'birth' });
      expect(post.status).toBe(401);
      expect(post.body).toEqual(MISSING_KEY_BODY);
      expect((await app.bus.history()).items).toEqual([]);
    });

    it('rejected publish stores nothing', async () => {
      const app = await startWithKeys();

      const response = await app
        .http()
        .post('/karma/lifecycle')
        .set(asXApiKey(READ_KEY))
        .send({ user_id: 'user-1', event: 'birth' });

      expect(response.status).toBe(403);
      expect((await app.bus.history()).items).toEqual([]);
      const channels = await app.http().get('/events/channels').set(asXApiKey(READ_KEY));
      const lifecycle = (channels.body as { items: { name: string; published: number }[] }).items
        .filter((item) => item.name === 'karma.lifecycle')
        .map((item) => item.published);
      expect(lifecycle).toEqual([0]);
    });
  });

  describe('WebSocket gateway', () => {
    async function connect(app: KarmaService, query = ''): Promise<WsTestClient> {
      const client = await WsTestClient.connect(`${app.wsUrl}/events/ws${query}`);
      sockets.push(client);
      return client;
    }

    it('closes 4401 without key', async () => {
      const app = await startWithKeys();

      const client = await connect(app);
      await client.waitForClose();

      expect(client.frames).toEqual([
        { event: 'error', data: { field: 'api_key', message: MISSING_KEY_BODY.message } },
      ]);
      expect(client.closeEvent).toEqual({ code: 4401, reason: MISSING_KEY_BODY.message });
    });

    it('closes 4401 with wrong key', async () => {
      const app = await startWithKeys();

      const client = await connect(app, `?api_key=${WRONG_KEY}`);
      await client.waitForClose();

      expect(client.frames).toEqual([
        { event: 'error', data: { field: 'api_key', message: INVALID_KEY_BODY.message } },
      ]);
      expect(client.closeEvent).toEqual({ code: 4401, reason: INVALID_KEY_BODY.message });
    });

    it('closes 4403 without read scope', async () => {
      const app = await startWithKeys();
      const message = forbiddenBody('read', 'publish').message;

      const client = await connect(app, `?api_key=${PUBLISH_KEY}`);
      await client.waitForClose();

      expect(client.frames).toEqual([{ event: 'error', data: { field: 'api_key', message } }]);
      expect(client.closeEvent).toEqual({ code: 4403, reason: message });
    });

    it('delivers with read key', async () => {
      const app = await startWithKeys();
      const client = await connect(app, `?api_key=${READ_KEY}`);

      client.send('subscribe', { subscription_id: 'feed', channels: ['karma.feedback'] });
      await client.nth('subscribed', 1);
      const published = await app.bus.publishFeedback(feedbackPayload('user-7'));
      const frame = await client.nth<{ subscription_id: string; envelope: { message_id: string } }>(
        'message',
        1,
      );

      expect(frame.data.subscription_id).toBe('feed');
      expect(frame.data.envelope.message_id).toBe(published.message_id);
      expect(client.closeEvent).toBeUndefined();
    });

    it('accepts key in header', async () => {
      const app = await startWithKeys();

      const opened = await openWithHeaders(`${app.wsUrl}/events/ws`, asXApiKey(READ_KEY));
      const refused = await openWithHeaders(`${app.wsUrl}/events/ws`, asBearer(PUBLISH_KEY));

      expect(opened).toEqual({ code: 1000, frames: [] });
      expect(refused.code).toBe(4403);
    });
  });

  describe('when no keys are configured', () => {
    it('warns once at start-up', async () => {
      running = await startKarmaService();

      const authWarnings = running.logger
        .atLevel('warn')
        .filter((entry) => entry.params.at(-1) === 'EventBus:Auth');
      expect(authWarnings.map((entry) => entry.message)).toEqual([
        'No API keys are configured, so every event bus route is open to anyone',
      ]);
      const channels = await running.http().get('/events/channels');
      expect(channels.status).toBe(200);
    });

    it('stays silent with keys', async () => {
      const app = await startWithKeys();

      const authEntries = app.logger.entries.filter(
        (entry) => entry.params.at(-1) === 'EventBus:Auth',
      );
      expect(authEntries).toEqual([]);
    });
  });

  describe('log output', () => {
    it('never contains a key', async () => {
      const output = captureConsoleOutput();
      try {
        const app = await startWithKeys();
        await exerciseEveryKeyForm(app);
        await app.app.close();
        running = undefined;

        expect(app.logger.entries.length).toBeGreaterThan(0);
        const text = `${logText(app.logger)}\n${output.text()}`;
        for (const key of ALL_KEYS) {
          expect({ key, logged: text.includes(key) }).toEqual({ key, logged: false });
        }
      } finally {
        output.restore();
      }
    });
  });

  describe('probes', () => {
    it('health and metrics stay open', async () => {
      const app = await startWithKeys();

      for (const path of ['/health', '/health/ready', '/metrics']) {
        const response = await app.http().get(path);
        expect({ path, status: response.status }).toEqual({ path, status: 200 });
      }
      const guarded = await app.http().get('/events/channels');
      expect(guarded.status).toBe(401);
      expect(guarded.body).toEqual(MISSING_KEY_BODY);
    });
  });
});

/** Lists the `/events` and `/karma` routes registered in the app's Express router. */
function guardedRoutes(app: KarmaService): { method: string; path: string }[] {
  const express = app.app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  return express.router.stack.flatMap(({ route }) => {
    if (route === undefined || !/^\/(events|karma)\//.test(route.path)) {
      return [];
    }
    return Object.keys(route.methods).map((method) => ({
      method: method.toUpperCase(),
      path: route.path,
    }));
  });
}

/** Fills a route's parameters with the sample values the table uses. */
function withSampleParams(path: string): string {
  return path
    .replace(':message_id', UNKNOWN_MESSAGE_ID)
    .replace(':user_id', 'user-1')
    .replace(':id', '1');
}

/**
 * Sends every key in every accepted and rejected form: headers, the stream's query parameter,
 * the WebSocket query and a query parameter where it is not allowed.
 */
async function exerciseEveryKeyForm(app: KarmaService): Promise<void> {
  for (const key of ALL_KEYS) {
    await app.http().get('/events/channels').set(asXApiKey(key));
    await app.http().get('/events/history?limit=abc').set(asBearer(key));
    await app.http().get(`/events/history?api_key=${key}`);
    await app.http().get('/karma/scores/nobody').set(asXApiKey(key));
    await app
      .http()
      .post('/karma/lifecycle')
      .set(asBearer(key))
      .send({ user_id: 'user-1', event: 'role_change' });

    const stream = await SseClient.connect(`${app.baseUrl}/events/stream?api_key=${key}`);
    if (stream.status === 200) {
      await stream.close();
    } else {
      await stream.body();
    }

    await openWithHeaders(`${app.wsUrl}/events/ws?api_key=${key}`, NO_HEADERS);
  }
}

/** Records what is written to stdout, stderr and the console until `restore()`. */
function captureConsoleOutput(): { text(): string; restore(): void } {
  const chunks: string[] = [];
  const restorers: (() => void)[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    stream.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    };
    restorers.push(() => (stream.write = original));
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      chunks.push(args.map(String).join(' '));
      original(...args);
    };
    restorers.push(() => (console[method] = original));
  }
  return { text: () => chunks.join('\n'), restore: () => restorers.forEach((undo) => undo()) };
}

/**
 * Opens a WebSocket with request headers, waits until the server has accepted or closed it,
 * closes it from this side if it is still open, and returns the close code and frames.
 */
function openWithHeaders(
  url: string,
  headers: KeyHeaders,
): Promise<{ code: number; frames: unknown[] }> {
  const socket = new WebSocket(url, { headers });
  const frames: unknown[] = [];
  socket.on('message', (raw: Buffer) => frames.push(JSON.parse(raw.toString('utf8'))));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`WebSocket ${url} neither opened nor closed within 2000 ms`));
    }, 2_000);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, frames });
    });
    socket.on('open', () => {
      // A rejected key closes the socket right after the upgrade. The pong arrives only after that
      // close would have, so closing from this side on pong never hides a rejection.
      socket.ping();
      socket.once('pong', () => socket.close(1000, 'test done'));
    });
  });
}
