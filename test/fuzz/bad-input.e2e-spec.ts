import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import fc from 'fast-check';
import { Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/bootstrap/configure-app.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { sendRaw, type RawOutcome, type RawRequest } from '../support/raw-http.js';

/** Requests generated in all; the sweep stops earlier when the time budget runs out. */
const TOTAL_REQUESTS = 3000;
const TIME_BUDGET_MS = 30_000;
/** Minimum number of requests the sweep must send to count. */
const MIN_REQUESTS = 1000;
const CONCURRENCY = 8;
const REQUEST_TIMEOUT_MS = 5_000;

/** Fixed by default so every run sends the same requests; set FUZZ_SEED to explore others. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261204);

/** Settings of the app under test; a high rate limit, so no request gets 429. */
const SWEEP_ENV: Record<string, string> = {
  EVENT_BUS_RATE_LIMIT: '1000000000',
  EVENT_BUS_MAX_BODY_BYTES: '65536',
};

/** A route of the app, as Express's router lists it. */
interface Route {
  method: string;
  path: string;
}

/** One generated request and the route it was made for. */
interface Case {
  route: string;
  request: RawRequest;
}

const VALID_BODIES: Record<string, Record<string, unknown>> = {
  'POST /karma/influence': {
    user_id: 'user-42',
    as_of: '2026-12-01T12:00:00Z',
    actions: [
      { type: 'help', occurred_at: '2026-11-30T10:00:00Z', magnitude: 2 },
      { type: 'spam', occurred_at: '2026-11-10T10:00:00Z' },
    ],
  },
  'POST /karma/lifecycle': {
    user_id: 'user-42',
    event: 'role_change',
    role: 'moderator',
    previous_role: 'member',
    reason: 'elected',
    occurred_at: '2026-12-02T08:30:00Z',
  },
};

/** Strings that often break parsers, validators and decoders. */
const NASTY_STRINGS = [
  '',
  ' ',
  '0',
  '-1',
  '2.5',
  '1e3',
  '1e999',
  'NaN',
  'Infinity',
  'null',
  'true',
  '[]',
  '{}',
  'abc',
  '9999999999999999999999',
  '2026-02-30T00:00:00Z',
  '2026-12-01',
  '2026-12-01T12:00:00+25:00',
  '0000-00-00T00:00:00Z',
  'karma.*',
  'karma.feedback,karma.nope',
  '*.*.*',
  '__proto__',
  'constructor',
  '%',
  '%zz',
  '%E0%A4%A',
  '%00',
  '..%2F..%2Fpackage.json',
  '../../package.json',
  '1700000000000-0',
  '00000000-0000-4000-8000-000000000000',
  'x'.repeat(300),
  'x'.repeat(5000),
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '\u0000',
  '\ud800',
  '😀',
];

const PARAM_NAMES = [
  'limit',
  'after',
  'before',
  'order',
  'channel',
  'channels',
  'payload.user_id',
  'payload.a.b.c',
  'payload.__proto__.polluted',
  'metadata.correlation_id',
  'metadata.',
  'payload',
  'last_event_id',
  'api_key',
  'page',
  'limit[]',
  'limit[x]',
  '__proto__[polluted]',
  'constructor[prototype][polluted]',
  'channels[]',
];

const text = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.uuid(),
  fc.integer().map(String),
);

/** Percent-encodes a string; a lone surrogate, which cannot be encoded, is sent as `%ED%A0%80`. */
function encodeOrKeep(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

/** Encodes a query or path part, or leaves ASCII junk such as `%zz` raw on purpose. */
const urlPart = fc.oneof(
  { weight: 3, arbitrary: text.map(encodeOrKeep) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '%',
      '%zz',
      '%E0%A4%A',
      '%00',
      '%2e%2e',
      '..',
      '%FF',
      '+',
      '&',
      '=',
      '#',
    ),
  },
);

const queryString = fc
  .array(
    fc.tuple(
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...PARAM_NAMES) },
        { weight: 1, arbitrary: urlPart },
      ),
      urlPart,
    ),
    { maxLength: 4 },
  )
  .map((pairs) =>
    pairs.length === 0 ? '' : `?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}`,
  );

/** Replaces each `:param` (and `*param`) of an Express path with a generated segment. */
function pathFor(routePath: string): fc.Arbitrary<string> {
  const parts = routePath
    .split('/')
    .map((segment) =>
      segment.startsWith(':') || segment.startsWith('*')
        ? fc.oneof(urlPart, fc.uuid({ version: 4 }), fc.constant('1700000000000-0'))
        : fc.constant(segment),
    );
  return fc.tuple(...parts).map((segments) => segments.join('/') || '/');
}

const jsonValue = fc.jsonValue({ maxDepth: 3 });

/** Generates a valid body with a few random changes: fields removed, replaced or added. */
function mutatedBody(valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(valid);
  const change = fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...keys) }),
    fc.record({
      kind: fc.constant('set' as const),
      key: fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 8 })),
      value: fc.oneof(jsonValue, text),
    }),
    fc.record({
      kind: fc.constant('action' as const),
      key: fc.constantFrom('type', 'occurred_at', 'magnitude', 'extra'),
      value: fc.oneof(jsonValue, text, fc.constantFrom(-1, 10.0001, 1e308, 0)),
    }),
  );
  return fc.array(change, { minLength: 1, maxLength: 3 }).map((changes) => {
    const body = structuredClone<Record<string, unknown>>(valid);
    for (const one of changes) {
      if (one.kind === 'delete') {
        delete body[one.key];
      } else if (one.kind === 'set') {
        body[one.key] = one.value;
      } else if (Array.isArray(body.actions) && body.actions.length > 0) {
        (body.actions[0] as Record<string, unknown>)[one.key] = one.value;
      }
    }
    return body;
  });
}

/** Bodies that are not valid JSON, or valid JSON that a parser may choke on. */
const rawBodies = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '{',
    '{"user_id":',
    '{"user_id":"u1",}',
    "{'user_id':'u1'}",
    'null',
    '"text"',
    '[]',
    '12',
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"user_id":"user-1","actions":[{"type":"help","occurred_at":"2026-11-30T10:00:00Z","magnitude":1e999}]}',
    '{"user_id":"user-1","event":"birth","occurred_at":"2026-11-30T10:00:00Z","occurred_at":"x"}',
    '\ufeff{"user_id":"user-1","event":"birth"}',
  ),
  fc.integer({ min: 100, max: 6000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc
    .integer({ min: 100, max: 6000 })
    .map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
  fc.integer({ min: 1001, max: 1500 }).map((count) =>
    JSON.stringify({
      user_id: 'user-1',
      actions: Array.from({ length: count }, () => ({
        type: 'vote',
        occurred_at: '2026-11-30T10:00:00Z',
      })),
    }),
  ),
);

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-7',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/vnd.api+json',
  '*/*',
];

/** Returns `arbitrary` in about `percent` % of cases, and undefined otherwise. */
function sometimes<T>(percent: number, arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof(
    { weight: percent, arbitrary },
    { weight: 100 - percent, arbitrary: fc.constant(undefined) },
  );
}

const headerValue = fc.oneof(
  fc.constantFrom('', 'req-7', 'x'.repeat(129), 'x'.repeat(5000), '%00', '__proto__'),
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    maxLength: 40,
  }),
);

/**
 * Headers and body of a request to `route`. Each kind of noise (a body on a GET, another content
 * type or encoding, odd headers) comes in a minority of requests, so most reach the validation
 * of the route itself.
 */
function payloadFor(route: string): fc.Arbitrary<Pick<RawRequest, 'headers' | 'body'>> {
  const valid = VALID_BODIES[route];
  const isPost = route.startsWith('POST') || route === 'unmatched';
  const anyBody = fc.oneof(
    ...(valid === undefined
      ? []
      : [{ weight: 6, arbitrary: mutatedBody(valid).map((value) => JSON.stringify(value)) }]),
    { weight: 1, arbitrary: jsonValue.map((value) => JSON.stringify(value)) },
    { weight: 2, arbitrary: rawBodies },
  );
  return fc
    .record({
      body: sometimes(isPost ? 95 : 10, anyBody),
      contentType: sometimes(15, fc.constantFrom(...CONTENT_TYPES)),
      encoding: sometimes(8, fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'gzip-valid')),
      correlation: sometimes(20, headerValue),
      lastEventId: sometimes(route.includes('stream') ? 40 : 5, headerValue),
      oversize: fc.integer({ min: 1, max: 100 }).map((roll) => roll === 1),
    })
    .map((parts) => {
      const headers: Record<string, string> = {};
      let content: string | Buffer | undefined = parts.oversize
        ? `"${'x'.repeat(70_000)}"`
        : parts.body;
      if (parts.contentType !== undefined) {
        headers['content-type'] = parts.contentType;
      } else if (content !== undefined) {
        headers['content-type'] = 'application/json';
      }
      if (parts.encoding === 'gzip-valid' && content !== undefined) {
        content = gzipSync(content);
        headers['content-encoding'] = 'gzip';
      } else if (parts.encoding !== undefined && parts.encoding !== 'gzip-valid') {
        headers['content-encoding'] = parts.encoding;
      }
      if (parts.correlation !== undefined) {
        headers['x-correlation-id'] = parts.correlation;
      }
      if (parts.lastEventId !== undefined) {
        headers['last-event-id'] = parts.lastEventId;
      }
      return { headers, body: content };
    });
}

function casesFor(route: Route, count: number): Case[] {
  const name = `${route.method} ${route.path}`;
  const arbitrary = fc
    .tuple(pathFor(route.path), queryString, payloadFor(name))
    .map(([path, query, payload]) => ({
      route: name,
      request: { method: route.method, path: `${path}${query}`, ...payload },
    }));
  return fc.sample(arbitrary, { seed: SEED + name.length, numRuns: count });
}

/**
 * Lists the app's HTTP routes from Express's router. Middleware bound to every path (a `*path`
 * route for every method) is left out: `UNMATCHED` covers paths no route matches.
 */
function listRoutes(app: INestApplication): Route[] {
  const express = app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  const routes = express.router.stack.flatMap((layer) =>
    layer.route === undefined || layer.route.path.includes('*')
      ? []
      : Object.keys(layer.route.methods).map((method) => ({
          method: method.toUpperCase(),
          path: layer.route!.path,
        })),
  );
  return [...new Map(routes.map((route) => [`${route.method} ${route.path}`, route])).values()];
}

/** Requests to paths that no route serves, with common methods. */
const UNMATCHED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

function unmatchedCases(count: number): Case[] {
  const arbitrary = fc
    .tuple(
      fc.constantFrom(...UNMATCHED_METHODS),
      fc.array(urlPart, { minLength: 1, maxLength: 4 }),
      queryString,
      payloadFor('unmatched'),
    )
    .map(([method, segments, query, payload]) => ({
      route: 'ANY /<unmatched>',
      request: { method, path: `/nope/${segments.join('/')}${query}`, ...payload },
    }));
  return fc.sample(arbitrary, { seed: SEED, numRuns: count });
}

/** Builds the real AppModule on the in-memory transport with `configureApp`, as `main.ts` does. */
async function startService(): Promise<{
  app: INestApplication;
  port: number;
  logger: CapturingLogger;
}> {
  const previous = Object.fromEntries(
    [...Object.keys(SWEEP_ENV), 'EVENT_BUS_REDIS_URL'].map((key) => [key, process.env[key]]),
  );
  Object.assign(process.env, SWEEP_ENV);
  delete process.env.EVENT_BUS_REDIS_URL;

  const logger = new CapturingLogger();
  try {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = moduleRef.createNestApplication({ bodyParser: false, logger });
    configureApp(app);
    await app.listen(0, '127.0.0.1');
    const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
    return { app, port, logger };
  } finally {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) {
        delete process.env[key];
      } else {
        process.env[key] = value;
      }
    }
  }
}

/** Counts per route and status (or connection error), and the requests that got a 5xx. */
interface SweepResult {
  sent: number;
  elapsedMs: number;
  counts: Map<string, Map<string, number>>;
  failures: { route: string; request: RawRequest; outcome: RawOutcome }[];
}

async function sweep(port: number, cases: Case[]): Promise<SweepResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const result: SweepResult = { sent: 0, elapsedMs: 0, counts: new Map(), failures: [] };
  const started = performance.now();
  let next = 0;

  const worker = async (): Promise<void> => {
    while (next < cases.length && performance.now() - started < TIME_BUDGET_MS) {
      const one = cases[next++];
      const outcome = await sendRaw(port, one.request, { agent, timeoutMs: REQUEST_TIMEOUT_MS });
      result.sent++;
      const key = 'status' in outcome ? String(outcome.status) : outcome.error;
      const perRoute = result.counts.get(one.route) ?? new Map<string, number>();
      perRoute.set(key, (perRoute.get(key) ?? 0) + 1);
      result.counts.set(one.route, perRoute);
      if (!('status' in outcome) || outcome.status >= 500) {
        result.failures.push({ route: one.route, request: one.request, outcome });
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    agent.destroy();
  }
  result.elapsedMs = performance.now() - started;
  return result;
}

function formatTable(result: SweepResult): string {
  const statuses = [
    ...new Set([...result.counts.values()].flatMap((row) => [...row.keys()])),
  ].sort();
  const header = ['route', ...statuses, 'total'];
  const rows = [...result.counts.entries()].map(([route, row]) => [
    route,
    ...statuses.map((status) => String(row.get(status) ?? 0)),
    String([...row.values()].reduce((sum, n) => sum + n, 0)),
  ]);
  const widths = header.map((_, column) =>
    Math.max(...[header, ...rows].map((row) => row[column].length)),
  );
  const line = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ');
  return [
    `Bad-input sweep: ${result.sent} requests in ${(result.elapsedMs / 1000).toFixed(1)} s, seed ${SEED}`,
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
  ].join('\n');
}

function describeFailure(failure: SweepResult['failures'][number]): string {
  const body =
    typeof failure.request.body === 'string' ? failure.request.body.slice(0, 200) : '<binary>';
  const outcome =
    'status' in failure.outcome
      ? `${failure.outcome.status} ${failure.outcome.body.slice(0, 200)}`
      : failure.outcome.error;
  const headers = JSON.stringify(failure.request.headers).slice(0, 300);
  return `${failure.request.method} ${failure.request.path.slice(0, 200)} ${headers} ${body} -> ${outcome}`;
}

describe('KarmaChain service with bad input', () => {
  let service: { app: INestApplication; port: number; logger: CapturingLogger } | undefined;
  let routes: Route[] = [];
  let result: SweepResult;

  beforeAll(async () => {
    service = await startService();
    routes = listRoutes(service.app);
    const weightOf = (route: Route) => (route.method === 'POST' ? 3 : 1);
    const totalWeight = routes.reduce((sum, route) => sum + weightOf(route), 1);
    const share = (weight: number) => Math.round((TOTAL_REQUESTS * weight) / totalWeight);
    const cases = [
      ...routes.flatMap((route) => casesFor(route, share(weightOf(route)))),
      ...unmatchedCases(share(1)),
    ];
    // Interleave routes, so a time budget cut leaves every route tried.
    const shuffled = fc.sample(fc.shuffledSubarray(cases, { minLength: cases.length }), {
      seed: SEED,
      numRuns: 1,
    })[0];
    result = await sweep(service.port, shuffled);
    console.log(formatTable(result));
  }, TIME_BUDGET_MS + 30_000);

  afterAll(async () => {
    await service?.app.close();
  });

  it('covers every route', () => {
    const routeNames = routes.map((route) => `${route.method} ${route.path}`);

    expect(routeNames).toEqual(
      expect.arrayContaining([
        'POST /karma/influence',
        'POST /karma/lifecycle',
        'GET /events/history',
        'GET /health',
      ]),
    );
    expect([...result.counts.keys()].sort()).toEqual([...routeNames, 'ANY /<unmatched>'].sort());
    expect(result.sent).toBeGreaterThanOrEqual(MIN_REQUESTS);
  });

  it('answers only 2xx or 4xx', () => {
    expect(result.failures.slice(0, 20).map(describeFailure)).toEqual([]);
  });

  it('rejects payload beside payload.field', async () => {
    const port = (service as { port: number }).port;

    const outcome = await sendRaw(
      port,
      { method: 'GET', path: '/events/history?payload=1&payload.user_id=user-1' },
      { timeoutMs: REQUEST_TIMEOUT_MS },
    );

    expect(outcome).toMatchObject({ status: 400 });
  });

  it('keeps answering health checks', async () => {
    const port = (service as { port: number }).port;

    const health = await sendRaw(
      port,
      { method: 'GET', path: '/health' },
      { timeoutMs: REQUEST_TIMEOUT_MS },
    );
    const lifecycle = await sendRaw(
      port,
      {
        method: 'POST',
        path: '/karma/lifecycle',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: 'user-after-sweep', event: 'birth' }),
      },
      { timeoutMs: REQUEST_TIMEOUT_MS },
    );

    expect(health).toMatchObject({ status: 200 });
    expect(lifecycle).toMatchObject({ status: 201 });
  });
});
