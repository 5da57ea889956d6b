// Sustained load on the compiled event bus. It publishes at a steady rate for a while to one
// channel with three listeners: a plain one, a slow async one and one that always throws. Then it
// checks that the counts add up, that no promise rejection went unhandled and that the heap
// stayed bounded. It prints one JSON summary as its last line and exits 1 when a check failed.
//
//   npm run soak                       builds, then runs 60 s in memory at 2000 messages/s
//   node scripts/soak.mjs --redis=redis://127.0.0.1:6379 --duration-ms=10000
//
// Options (flags win over environment variables):
//   --duration-ms, SOAK_DURATION_MS   how long to publish, in ms (default 60000)
//   --rate, SOAK_RATE                 messages published per second (default 2000)
//   --redis, SOAK_REDIS_URL           use the Redis transport at this URL instead of memory
//   --dist, SOAK_DIST_DIR             folder of the compiled bus (default dist/)
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const CHANNEL = 'soak.orders';

/** Delay of the slow listener per message, in ms. */
const SLOW_LISTENER_MS = 5;
/** Messages kept in history per channel, so the history reaches its steady size early. */
const HISTORY_CAPACITY = 1000;
/** Publishes allowed in flight at once; Redis publishes each wait for a round trip. */
const MAX_IN_FLIGHT = 64;
/** Time to wait after the last publish for deliveries to catch up, in ms. */
const SETTLE_TIMEOUT_MS = 15_000;

/**
 * The heap (after a full GC) at the end may be at most this factor times the heap at the end of
 * the warm-up, plus HEAP_SLACK_BYTES. After the warm-up the history ring is full and every
 * per-listener structure exists, so live data should stay flat. The factor and slack leave room
 * for V8's own bookkeeping and compiled code, not for data that grows with the message count:
 * a leak of 100 bytes per message grows the heap by 12 MB in a 60 s run at 2000 messages/s.
 */
const HEAP_FACTOR = 1.25;
const HEAP_SLACK_BYTES = 4 * 1024 * 1024;

// Measuring live heap needs a full GC on demand, which only --expose-gc gives.
if (typeof globalThis.gc !== 'function') {
  const rerun = spawnSync(
    process.execPath,
    ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  process.exit(rerun.status ?? 1);
}

const { values: flags } = parseArgs({
  options: {
    'duration-ms': { type: 'string' },
    rate: { type: 'string' },
    redis: { type: 'string' },
    dist: { type: 'string' },
  },
});
const durationMs = positiveInteger(
  'duration-ms',
  flags['duration-ms'] ?? process.env.SOAK_DURATION_MS ?? '60000',
);
const rate = positiveInteger('rate', flags.rate ?? process.env.SOAK_RATE ?? '2000');
const redisUrl = flags.redis ?? process.env.SOAK_REDIS_URL ?? undefined;
const distDir = flags.dist ?? process.env.SOAK_DIST_DIR ?? join(ROOT, 'dist');
const warmUpMs = Math.max(1000, Math.floor(durationMs / 5));

const unhandled = [];
process.on('unhandledRejection', (reason) => unhandled.push(String(reason?.stack ?? reason)));
process.on('uncaughtException', (error) => unhandled.push(String(error?.stack ?? error)));

const { NestFactory } = await import('@nestjs/core');
const { Module } = await import('@nestjs/common');
const { EventBusModule, EventBusService } = await import(
  pathToFileURL(join(distDir, 'event-bus', 'index.js')).href
);

const logs = new CountingLogger();
const keyPrefix = `karma-bus-soak:${process.pid}:`;
const transport =
  redisUrl === undefined
    ? { type: 'memory' }
    : { type: 'redis', url: redisUrl, keyPrefix, maxLen: HISTORY_CAPACITY };
class SoakModule {}
Module({
  imports: [
    EventBusModule.forRoot({
      channels: [{ name: CHANNEL }],
      historyCapacity: HISTORY_CAPACITY,
      transport,
      http: false,
    }),
  ],
})(SoakModule);
const app = await NestFactory.createApplicationContext(SoakModule, { logger: logs });
await app.init();
const bus = app.get(EventBusService);

const counts = { published: 0, rejected: 0, delivered: 0, outOfOrder: 0, slowDone: 0, failing: 0 };
let lastSeen = -1;
bus.subscribe(
  CHANNEL,
  (message) => {
    counts.delivered++;
    if (message.payload.n <= lastSeen) {
      counts.outOfOrder++;
    }
    lastSeen = message.payload.n;
  },
  { name: 'PlainCounter' },
);
bus.subscribe(
  CHANNEL,
  async () => {
    await sleep(SLOW_LISTENER_MS);
    counts.slowDone++;
  },
  { name: 'SlowCounter' },
);
bus.subscribe(
  CHANNEL,
  () => {
    counts.failing++;
    throw new Error('soak: this listener always fails');
  },
  { name: 'AlwaysFailing' },
);

const heap = { warmUpBytes: 0, endBytes: 0, maxBytes: 0 };
const started = performance.now();
const maxMessages = Math.ceil((rate * durationMs) / 1000);
await publishSteadily();
const publishMs = performance.now() - started;

await settle();
const channel = (await bus.channels()).find((info) => info.name === CHANNEL);
heap.endBytes = liveHeapBytes();
await app.close();
if (redisUrl !== undefined) {
  await deleteKeys(redisUrl, keyPrefix);
}

const limitBytes = heap.warmUpBytes * HEAP_FACTOR + HEAP_SLACK_BYTES;
const problems = [
  check(counts.rejected === 0, `${counts.rejected} publishes were rejected`),
  check(
    counts.delivered === counts.published,
    `plain listener got ${counts.delivered} of ${counts.published}`,
  ),
  check(
    counts.slowDone === counts.published,
    `slow listener finished ${counts.slowDone} of ${counts.published}`,
  ),
  check(
    counts.failing === counts.published,
    `failing listener ran ${counts.failing} of ${counts.published} times`,
  ),
  check(
    channel?.failed === counts.failing,
    `bus counted ${channel?.failed} failures, listener threw ${counts.failing} times`,
  ),
  check(
    channel?.published === counts.published,
    `bus counted ${channel?.published} published, ${counts.published} resolved`,
  ),
  check(counts.outOfOrder === 0, `${counts.outOfOrder} messages arrived out of order`),
  check(unhandled.length === 0, `${unhandled.length} unhandled rejections or exceptions`),
  check(
    heap.endBytes <= limitBytes,
    `heap grew from ${mb(heap.warmUpBytes)} MB to ${mb(heap.endBytes)} MB, over ${mb(limitBytes)} MB`,
  ),
].filter((problem) => problem !== undefined);

const summary = {
  ok: problems.length === 0,
  problems,
  transport: transport.type,
  node: process.version,
  durationMs,
  targetRate: rate,
  achievedRate: Math.round(counts.published / (publishMs / 1000)),
  ...counts,
  failuresCounted: channel?.failed,
  errorsLogged: logs.counts.error,
  warningsLogged: logs.counts.warn,
  unhandled: unhandled.slice(0, 3),
  heapMb: {
    warmUp: mb(heap.warmUpBytes),
    end: mb(heap.endBytes),
    max: mb(heap.maxBytes),
    limit: mb(limitBytes),
  },
};
console.log(JSON.stringify(summary));
process.exitCode = summary.ok ? 0 : 1;

/**
 * Publishes `{ n }` at `rate` per second for `durationMs`, with at most MAX_IN_FLIGHT publishes
 * pending, and samples the heap once a second.
 */
async function publishSteadily() {
  const inFlight = new Set();
  let nextSampleMs = 1000;
  let warmedUp = false;
  for (let n = 0; n < maxMessages;) {
    const elapsed = performance.now() - started;
    if (elapsed >= durationMs) {
      break;
    }
    if (!warmedUp && elapsed >= warmUpMs) {
      await Promise.all(inFlight);
      heap.warmUpBytes = liveHeapBytes();
      warmedUp = true;
    }
    if (elapsed >= nextSampleMs) {
      heap.maxBytes = Math.max(heap.maxBytes, liveHeapBytes());
      nextSampleMs += 1000;
    }

    const due = Math.min(maxMessages, Math.floor((elapsed * rate) / 1000)) - n;
    for (let i = 0; i < due && inFlight.size < MAX_IN_FLIGHT; i++, n++) {
      const publish = bus.publish(CHANNEL, { n }).then(
        () => counts.published++,
        () => counts.rejected++,
      );
      inFlight.add(publish);
      void publish.finally(() => inFlight.delete(publish));
    }
    // Yield to deliveries and timers; a full window waits for the oldest publish instead.
    await (inFlight.size >= MAX_IN_FLIGHT ? Promise.race(inFlight) : sleep(1));
  }
  await Promise.all(inFlight);
  if (!warmedUp) {
    heap.warmUpBytes = liveHeapBytes();
  }
}

/** Waits until every listener has seen every published message, or the settle timeout. */
async function settle() {
  const deadline = performance.now() + SETTLE_TIMEOUT_MS;
  while (performance.now() < deadline) {
    await bus.idle();
    const caughtUp =
      counts.delivered >= counts.published &&
      counts.slowDone >= counts.published &&
      counts.failing >= counts.published;
    if (caughtUp) {
      return;
    }
    await sleep(10);
  }
}

function liveHeapBytes() {
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

async function deleteKeys(url, prefix) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) {
      await redis.unlink(...keys);
    }
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
}

function check(passed, problem) {
  return passed ? undefined : problem;
}

function mb(bytes) {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

function positiveInteger(name, raw) {
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    console.error(`soak: --${name} must be a positive integer, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

/** Creates a Nest logger that counts entries per level and prints only fatal ones. */
function CountingLogger() {
  this.counts = { log: 0, warn: 0, error: 0, debug: 0, verbose: 0, fatal: 0 };
  for (const level of Object.keys(this.counts)) {
    this[level] = (message) => {
      this.counts[level]++;
      if (level === 'fatal') {
        console.error(`soak: fatal: ${message}`);
      }
    };
  }
}
