import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compiledServiceDir,
  spawnService,
  type ProcessExit,
  type SpawnedService,
} from '../support/compiled-service.js';
import { sendRaw } from '../support/raw-http.js';
import { uniqueKeyPrefix } from '../support/redis-apps.js';
import { streamKey, waitForGroup } from '../support/redis-inspect.js';
import {
  describeRedis,
  findFreePort,
  startRedis,
  type RedisServer,
} from '../support/redis-server.js';
import { waitFor } from '../support/wait-for.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'slow-group-service.mjs');

const ANALYTICS_GROUP = 'karma-analytics';
/** The fixture's groups: one finishes a slow message within the timeout, one is stuck on one. */
const GROUPS = ['finishing-recorders', 'stuck-recorders'];
/** Handling time of the fixture's slow message, well within the shutdown timeout. */
const SLOW_HANDLER_MS = 1_500;
const SHUTDOWN_TIMEOUT_MS = 3_000;
/** Extra time a service may take to exit after the shutdown timeout ran out. */
const EXIT_MARGIN_MS = 4_000;

const WORKERS = 8;
const MAX_REQUESTS = 4_000;
const LOAD_TIME_LIMIT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 5_000;

/** One POST /karma/lifecycle of the load. */
interface LoadRequest {
  startedAt: number;
  status?: number;
  error?: string;
  messageId?: string;
}

/** What one run of load, SIGTERM and exit left behind. */
interface ShutdownRun {
  requests: LoadRequest[];
  sigtermAt: number;
  /** `Date.now()` at SIGTERM, to compare with the fixture's log lines. */
  sigtermEpochMs: number;
  exit: ProcessExit | 'timeout';
  exitMs: number;
  output: string;
}

/** Posts one lifecycle event and records how it went. */
async function postLifecycle(port: number, n: number, reason = 'load'): Promise<LoadRequest> {
  const request: LoadRequest = { startedAt: performance.now() };
  const outcome = await sendRaw(
    port,
    {
      method: 'POST',
      path: '/karma/lifecycle',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: `user-${n}`, event: 'birth', reason }),
    },
    { timeoutMs: REQUEST_TIMEOUT_MS },
  );
  if ('error' in outcome) {
    request.error = outcome.error;
    return request;
  }
  request.status = outcome.status;
  if (outcome.status >= 200 && outcome.status < 300) {
    request.messageId = (JSON.parse(outcome.body) as { message_id: string }).message_id;
  }
  return request;
}

/**
 * Posts lifecycle events from `WORKERS` loops until `maxRequests` were sent, the time limit
 * passed, or a connection was refused (the service is gone). `requests` fills as they finish.
 */
function runLoad(
  port: number,
  maxRequests: number,
): { requests: LoadRequest[]; done: Promise<void> } {
  const requests: LoadRequest[] = [];
  let next = 0;
  let refused = false;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (!refused && next < maxRequests && performance.now() - started < LOAD_TIME_LIMIT_MS) {
      const request = await postLifecycle(port, next++);
      requests.push(request);
      refused ||= request.error === 'ECONNREFUSED';
    }
  };
  return {
    requests,
    done: Promise.all(Array.from({ length: WORKERS }, worker)).then(() => undefined),
  };
}

/**
 * Runs the load, sends SIGTERM once `sigtermAfter` publishes were accepted, and waits for the
 * process to exit, or kills it after the shutdown timeout plus a margin.
 */
async function loadAndTerminate(
  service: SpawnedService,
  sigtermAfter: number,
): Promise<ShutdownRun> {
  const load = runLoad(service.port, MAX_REQUESTS);
  await waitFor(
    () => load.requests.filter((request) => request.messageId !== undefined).length >= sigtermAfter,
    LOAD_TIME_LIMIT_MS,
    `${sigtermAfter} accepted publishes`,
  );
  const sigtermAt = performance.now();
  const sigtermEpochMs = Date.now();
  service.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const exit = await Promise.race([
    service.exited,
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), SHUTDOWN_TIMEOUT_MS + EXIT_MARGIN_MS);
    }),
  ]);
  clearTimeout(timer);
  const exitMs = performance.now() - sigtermAt;
  await service.kill();
  await load.done;
  return {
    requests: load.requests,
    sigtermAt,
    sigtermEpochMs,
    exit,
    exitMs,
    output: service.output(),
  };
}

/** Envelopes of a stream, keyed by entry id. */
async function streamEnvelopes(
  admin: Redis,
  key: string,
): Promise<
  Map<
    string,
    { message_id: string; payload: Record<string, unknown>; metadata?: Record<string, unknown> }
  >
> {
  const entries = await admin.xrange(key, '-', '+');
  return new Map(
    entries.map(([entryId, fields]) => [
      entryId,
      JSON.parse(fields[fields.indexOf('envelope') + 1]),
    ]),
  );
}

/** Entry ids of a stream that the group acknowledged: delivered to it and no longer pending. */
async function acknowledgedEntries(admin: Redis, key: string, group: string): Promise<string[]> {
  const groups = (await admin.call('XINFO', 'GROUPS', key)) as unknown[][];
  const info = groups.find((fields) => fields[fields.indexOf('name') + 1] === group);
  if (info === undefined) {
    throw new Error(`No group ${group} on ${key}`);
  }
  const lastDelivered = String(info[info.indexOf('last-delivered-id') + 1]);
  const pending = new Set(
    ((await admin.xpending(key, group, '-', '+', 100_000)) as [string, ...unknown[]][]).map(
      ([id]) => id,
    ),
  );
  const delivered = await admin.xrange(key, '-', lastDelivered);
  return delivered.map(([entryId]) => entryId).filter((entryId) => !pending.has(entryId));
}

/** Requests that got a 5xx other than 503, described for a failure message. */
function serverErrors(run: ShutdownRun): string[] {
  return run.requests
    .filter(
      (request) => request.status !== undefined && request.status >= 500 && request.status !== 503,
    )
    .map(
      (request) =>
        `status ${request.status} at ${Math.round(request.startedAt - run.sigtermAt)} ms`,
    );
}

/** Outcomes allowed once shutdown began: 503, or a connection refused or reset. */
const SHUTDOWN_OUTCOMES = ['503', 'ECONNREFUSED', 'ECONNRESET'];

/** Outcomes of requests started after SIGTERM other than a 2xx or SHUTDOWN_OUTCOMES. */
function unexpectedAfterSigterm(run: ShutdownRun): string[] {
  return run.requests
    .filter((request) => request.startedAt > run.sigtermAt && request.messageId === undefined)
    .map((request) =>
      request.status === undefined ? (request.error ?? 'none') : String(request.status),
    )
    .filter((outcome) => !SHUTDOWN_OUTCOMES.includes(outcome));
}

/** Requests started after the first 503 response that still got a 2xx. */
function acceptedAfterShutdown(run: ShutdownRun): LoadRequest[] {
  const first503 = run.requests
    .filter((request) => request.status === 503)
    .reduce((earliest, request) => Math.min(earliest, request.startedAt), Number.POSITIVE_INFINITY);
  return run.requests.filter(
    (request) => request.startedAt > first503 && request.messageId !== undefined,
  );
}

describeRedis('KarmaChain service on SIGTERM under load', () => {
  let server: RedisServer | undefined;
  let admin: Redis;
  let distDir: string;

  beforeAll(async () => {
    [server, distDir] = await Promise.all([startRedis(), compiledServiceDir()]);
    admin = await server.connect();
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  function serviceEnv(keyPrefix: string, port: number): Record<string, string> {
    return {
      PORT: String(port),
      HOST: '127.0.0.1',
      EVENT_BUS_REDIS_URL: (server as RedisServer).url,
      EVENT_BUS_KEY_PREFIX: keyPrefix,
      EVENT_BUS_CONSUMER_NAME: `shutdown-${port}`,
      EVENT_BUS_RATE_LIMIT: '1000000000',
      EVENT_BUS_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    };
  }

  describeRedis('the built service', () => {
    const keyPrefix = uniqueKeyPrefix('shutdown');
    let run: ShutdownRun;

    beforeAll(async () => {
      const port = await findFreePort();
      const service = await spawnService(
        join(distDir, 'main.js'),
        port,
        serviceEnv(keyPrefix, port),
      );
      await waitForGroup(admin, streamKey(keyPrefix, 'karma.lifecycle'), ANALYTICS_GROUP);
      run = await loadAndTerminate(service, 300);
      console.log(`Shutdown of the built service: ${JSON.stringify(summarise(run))}`);
    }, 60_000);

    it('exits with code 0', () => {
      expect(run.exit).toEqual({ code: 0, signal: null });
    });

    it('answers 503 once shutting down', () => {
      expect(serverErrors(run)).toEqual([]);
      expect(unexpectedAfterSigterm(run)).toEqual([]);
      expect(acceptedAfterShutdown(run).length).toBe(0);
      expect(
        run.requests.filter(
          (request) => request.startedAt > run.sigtermAt && request.messageId === undefined,
        ).length,
      ).toBeGreaterThan(0);
    });

    it('stores every accepted publish', async () => {
      const stored = new Set(
        [...(await streamEnvelopes(admin, streamKey(keyPrefix, 'karma.lifecycle'))).values()].map(
          (envelope) => envelope.message_id,
        ),
      );
      const accepted = run.requests.flatMap((request) =>
        request.messageId === undefined ? [] : [request.messageId],
      );

      expect(accepted.length).toBeGreaterThanOrEqual(300);
      expect(accepted.filter((id) => !stored.has(id))).toEqual([]);
    });

    it('acks only summarised messages', async () => {
      const lifecycle = await streamEnvelopes(admin, streamKey(keyPrefix, 'karma.lifecycle'));
      const analytics = await streamEnvelopes(admin, streamKey(keyPrefix, 'karma.analytics'));
      const summarised = new Set(
        [...analytics.values()].map((envelope) => envelope.metadata?.causation_id),
      );
      const acked = await acknowledgedEntries(
        admin,
        streamKey(keyPrefix, 'karma.lifecycle'),
        ANALYTICS_GROUP,
      );

      const ackedWithoutSummary = acked.filter(
        (entryId) => !summarised.has(lifecycle.get(entryId)?.message_id),
      );

      expect(acked.length).toBeGreaterThan(0);
      expect(ackedWithoutSummary).toEqual([]);
    });
  });

  describeRedis('slow group listeners', () => {
    const keyPrefix = uniqueKeyPrefix('shutdown-slow');
    const logDir = mkdtempSync(join(tmpdir(), 'karma-bus-shutdown-'));
    const logFile = join(logDir, 'handler.log');
    let run: ShutdownRun;
    let slowId: string | undefined;
    let stuckId: string | undefined;

    /** Handler start and done times per group and message id, from the fixture's log. */
    function handlerLog(group: string): {
      started: Map<string, number>;
      done: Map<string, number>;
    } {
      const started = new Map<string, number>();
      const done = new Map<string, number>();
      for (const line of readFileSync(logFile, 'utf8').split('\n')) {
        const [at, lineGroup, kind, id] = line.split(' ');
        if (lineGroup === group) {
          (kind === 'start' ? started : done).set(id, Number(at));
        }
      }
      return { started, done };
    }

    // The warm-up lets both groups catch up, so the slow and the stuck message each run alone in
    // their group when SIGTERM arrives, while more load is queued behind them.
    beforeAll(async () => {
      writeFileSync(logFile, '');
      const port = await findFreePort();
      const service = await spawnService(FIXTURE, port, {
        ...serviceEnv(keyPrefix, port),
        FIXTURE_DIST_DIR: distDir,
        FIXTURE_LOG_FILE: logFile,
        FIXTURE_HANDLER_MS: '5',
        FIXTURE_SLOW_MS: String(SLOW_HANDLER_MS),
        FIXTURE_STUCK_MS: '60000',
      });
      const key = streamKey(keyPrefix, 'karma.lifecycle');
      await Promise.all(GROUPS.map((group) => waitForGroup(admin, key, group)));

      const warmUp = runLoad(port, 100);
      await warmUp.done;
      const warmUpIds = warmUp.requests.flatMap((request) => request.messageId ?? []);
      await waitFor(
        () => GROUPS.every((group) => warmUpIds.every((id) => handlerLog(group).done.has(id))),
        15_000,
        'both groups to handle the warm-up',
      );
      [slowId, stuckId] = (
        await Promise.all([postLifecycle(port, -1, 'slow'), postLifecycle(port, -2, 'stuck')])
      ).map((request) => request.messageId);
      await waitFor(
        () =>
          handlerLog('finishing-recorders').started.has(slowId ?? '') &&
          handlerLog('stuck-recorders').started.has(stuckId ?? ''),
        10_000,
        'the slow and the stuck handler to start',
      );

      run = await loadAndTerminate(service, 50);
      console.log(`Shutdown with slow listeners: ${JSON.stringify(summarise(run))}`);
    }, 60_000);

    afterAll(() => {
      rmSync(logDir, { recursive: true, force: true });
    });

    it('exits within the shutdown timeout', () => {
      expect(run.exit).not.toBe('timeout');
      expect(run.exitMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + EXIT_MARGIN_MS);
    });

    it('exits with code 0', () => {
      expect(run.exit).toEqual({ code: 0, signal: null });
    });

    it('answers 503 once shutting down', () => {
      expect(serverErrors(run)).toEqual([]);
      expect(unexpectedAfterSigterm(run)).toEqual([]);
      expect(acceptedAfterShutdown(run).length).toBe(0);
    });

    it('acks only completed handlers', async () => {
      const key = streamKey(keyPrefix, 'karma.lifecycle');
      const lifecycle = await streamEnvelopes(admin, key);

      for (const group of GROUPS) {
        const { done } = handlerLog(group);
        const acked = (await acknowledgedEntries(admin, key, group)).map(
          (entryId) => lifecycle.get(entryId)?.message_id,
        );

        expect(acked.length).toBeGreaterThanOrEqual(100);
        expect(acked.filter((id) => id === undefined || !done.has(id))).toEqual([]);
      }
      const stuckAcked = await acknowledgedEntries(admin, key, 'stuck-recorders');
      expect(stuckAcked.map((entryId) => lifecycle.get(entryId)?.message_id)).not.toContain(
        stuckId,
      );
    });

    it('lets running handlers finish', async () => {
      const key = streamKey(keyPrefix, 'karma.lifecycle');
      const lifecycle = await streamEnvelopes(admin, key);
      const acked = (await acknowledgedEntries(admin, key, 'finishing-recorders')).map(
        (entryId) => lifecycle.get(entryId)?.message_id,
      );

      expect(handlerLog('finishing-recorders').done.get(slowId ?? '')).toBeGreaterThan(
        run.sigtermEpochMs,
      );
      expect(acked).toContain(slowId);
    });

    it('stores every accepted publish', async () => {
      const stored = new Set(
        [...(await streamEnvelopes(admin, streamKey(keyPrefix, 'karma.lifecycle'))).values()].map(
          (envelope) => envelope.message_id,
        ),
      );
      const accepted = run.requests.flatMap((request) => request.messageId ?? []);

      expect(accepted.filter((id) => !stored.has(id))).toEqual([]);
    });
  });
});

/** Counts of one run, for the log and docs/RELIABILITY.md. */
function summarise(run: ShutdownRun) {
  const after = run.requests.filter((request) => request.startedAt > run.sigtermAt);
  const tally = (requests: LoadRequest[]) =>
    requests.reduce<Record<string, number>>((counts, request) => {
      const key = request.status === undefined ? (request.error ?? 'none') : String(request.status);
      counts[key] = (counts[key] ?? 0) + 1;
      return counts;
    }, {});
  return {
    requests: run.requests.length,
    accepted: run.requests.filter((request) => request.messageId !== undefined).length,
    beforeSigterm: tally(run.requests.filter((request) => request.startedAt <= run.sigtermAt)),
    afterSigterm: tally(after),
    exit: run.exit,
    exitMs: Math.round(run.exitMs),
  };
}
