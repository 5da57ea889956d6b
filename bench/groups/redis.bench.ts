import 'reflect-metadata';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { createBusContext, type BusContext } from '../support/bench-app.js';
import { BENCH_CHANNEL, benchPayload, type BenchPayload } from '../support/bench-channels.js';
import { progress, runGroup, type BenchMode } from '../support/group.js';
import { BenchRedisServer, findRedisServer } from '../support/redis-server.js';
import { compareRow, skippedRow, type ResultRow } from '../support/result-row.js';
import {
  awaitedPerSecond,
  ExtraFigures,
  runInterleaved,
  timeSeconds,
  type RoundPlan,
} from '../support/rounds.js';
import { quantile } from '../support/stats.js';

const GROUP = 'redis';

/** The stream the raw ioredis reference writes, apart from the bus's keys. */
const RAW_STREAM = 'bench-raw:events';

/** The bus's default `maxLen`, used by the raw reference's `XADD MAXLEN ~` too. */
const MAX_LEN = 10_000;

/** Publishes in flight at once in R2. */
const CONCURRENCY = 100;

/** Maximum wait for one message to arrive before the run fails. */
const DELIVERY_TIMEOUT_MS = 5_000;

interface RedisSettings {
  plan: RoundPlan;
  /** Awaited publishes per member and round (R1). */
  awaited: number;
  /** Batches of 100 concurrent publishes per member and round (R2). */
  batches: number;
  /** Messages timed one at a time per member and round (R3). */
  latencySamples: number;
}

const SETTINGS: Record<BenchMode, RedisSettings> = {
  full: {
    plan: { warmupRounds: 2, rounds: 11 },
    awaited: 3_000,
    batches: 30,
    latencySamples: 1_000,
  },
  smoke: { plan: { warmupRounds: 1, rounds: 2 }, awaited: 50, batches: 2, latencySamples: 30 },
};

/** Serialises the envelope of the raw reference: the same fields, id and timestamp work. */
function rawEnvelopeJson(seq: number): string {
  return JSON.stringify({
    message_id: randomUUID(),
    channel: BENCH_CHANNEL,
    payload: benchPayload(seq),
    timestamp: new Date().toISOString(),
  });
}

function rawXadd(raw: Redis, seq: number): Promise<string | null> {
  return raw.xadd(RAW_STREAM, 'MAXLEN', '~', MAX_LEN, '*', 'envelope', rawEnvelopeJson(seq));
}

/**
 * Resolves waiters by message sequence number with the monotonic time of arrival, for the
 * delivery latency rows.
 */
class ArrivalWaiter {
  private expected = -1;
  private resolve: ((arrivedNs: bigint) => void) | undefined;

  /** Returns a promise of the arrival time of message `seq`; it rejects after 5 s. */
  expect(seq: number): Promise<bigint> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Message ${seq} did not arrive within ${DELIVERY_TIMEOUT_MS} ms`)),
        DELIVERY_TIMEOUT_MS,
      );
      this.expected = seq;
      this.resolve = (arrivedNs) => {
        clearTimeout(timer);
        resolve(arrivedNs);
      };
    });
  }

  arrived(seq: number): void {
    if (seq === this.expected && this.resolve !== undefined) {
      const resolve = this.resolve;
      this.resolve = undefined;
      resolve(process.hrtime.bigint());
    }
  }
}

type XReadReply = [stream: string, entries: [id: string, fields: string[]][]][] | null;

/**
 * The R3 reference consumer: `XREAD BLOCK` on a connection of its own, parsing each envelope as
 * a minimal consumer would, and reporting arrivals to a waiter.
 */
class RawStreamReader {
  private lastId = '0-0';
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly connection: Redis,
    private readonly stream: string,
    private readonly waiter: ArrivalWaiter,
  ) {
    this.loop = this.run();
  }

  /** Stops after the current blocking read, which returns within a second. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const reply = (await this.connection.call(
        'XREAD', 'BLOCK', 1000, 'STREAMS', this.stream, this.lastId,
      )) as XReadReply; // prettier-ignore
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          this.lastId = id;
          const envelope = JSON.parse(fields[1]) as { payload: BenchPayload };
          this.waiter.arrived(envelope.payload.seq);
        }
      }
    }
  }
}

/** Numbers every message of the group, so each latency sample waits for its own message. */
let nextSeq = 0;

/** Times `samples` messages one at a time; records p99 and returns p50, both in ms. */
async function latencyRun(
  samples: number,
  send: (seq: number) => Promise<unknown>,
  waiter: ArrivalWaiter,
  record: (p99Ms: number) => void,
): Promise<number> {
  const latenciesMs: number[] = [];
  for (let i = 0; i < samples; i++) {
    const seq = nextSeq++;
    const arrival = waiter.expect(seq);
    const sentNs = process.hrtime.bigint();
    const [arrivedNs] = await Promise.all([arrival, send(seq)]);
    latenciesMs.push(Number(arrivedNs - sentNs) / 1e6);
  }
  record(quantile(latenciesMs, 0.99));
  return quantile(latenciesMs, 0.5);
}

/** Runs `batches` batches of 100 concurrent operations; returns operations per second. */
async function concurrentPerSecond(
  batches: number,
  operation: (seq: number) => Promise<unknown>,
): Promise<number> {
  const seconds = await timeSeconds(async () => {
    for (let batch = 0; batch < batches; batch++) {
      const inFlight: Promise<unknown>[] = [];
      for (let i = 0; i < CONCURRENCY; i++) {
        inFlight.push(operation(nextSeq++));
      }
      await Promise.all(inFlight);
    }
  });
  return (batches * CONCURRENCY) / seconds;
}

const REDIS_ROWS = [
  ['R1', 'Redis publish(), awaited one at a time', 'msg/s'],
  ['R2', 'Redis publish(), 100 in flight, vs R1', 'msg/s'],
  ['R3 p50', 'Redis publish to delivery on another app, p50', 'ms'],
  ['R3 p99', 'Redis publish to delivery on another app, p99', 'ms'],
] as const;

async function measure(mode: BenchMode): Promise<ResultRow[]> {
  const binary = findRedisServer();
  if (binary === undefined) {
    const reason =
      'skipped: redis-server is not on the PATH; install it with apt-get install redis-server';
    progress(GROUP, reason);
    return REDIS_ROWS.map(([id, title, unit]) => skippedRow(id, title, unit, reason));
  }

  const server = await BenchRedisServer.start(binary);
  progress(GROUP, `redis-server listening at ${server.url}`);
  try {
    return await measureWith(server.url, SETTINGS[mode]);
  } finally {
    await server.stop();
  }
}

async function measureWith(url: string, settings: RedisSettings): Promise<ResultRow[]> {
  const transport = { type: 'redis', url, keyPrefix: 'bench:' } as const;
  const publisher = await createBusContext({
    busOptions: { transport: { ...transport, consumerName: 'bench-publisher' } },
  });
  const raw = new Redis(url, { connectionName: 'bench-raw' });

  const throughput = await runInterleaved(
    [
      { name: 'r1-bus', run: () => awaitedPerSecond(settings.awaited, publish(publisher)) },
      { name: 'r1-raw', run: () => awaitedPerSecond(settings.awaited, (seq) => rawXadd(raw, seq)) },
      { name: 'r2-bus', run: () => concurrentPerSecond(settings.batches, publish(publisher)) },
      {
        name: 'r2-raw',
        run: () => concurrentPerSecond(settings.batches, (seq) => rawXadd(raw, seq)),
      },
    ],
    settings.plan,
    (line) => progress(GROUP, `throughput ${line}`),
  );

  const latency = await measureLatency(url, settings, publisher, raw);

  await publisher.app.close();
  raw.disconnect();

  return [
    compareRow({
      id: 'R1',
      title: REDIS_ROWS[0][1],
      unit: 'msg/s',
      product: { label: 'await publish()', samples: throughput.get('r1-bus')! },
      reference: { label: 'await XADD (ioredis)', samples: throughput.get('r1-raw')! },
      goal: { comparison: 'at least', ratio: 0.85 },
      note: `${settings.awaited} messages per run; raw XADD MAXLEN ~ ${MAX_LEN} of the same envelope JSON`,
    }),
    compareRow({
      id: 'R2',
      title: REDIS_ROWS[1][1],
      unit: 'msg/s',
      product: { label: `${CONCURRENCY} publish() in flight`, samples: throughput.get('r2-bus')! },
      reference: { label: 'await publish() (R1)', samples: throughput.get('r1-bus')! },
      goal: { comparison: 'at least', ratio: 10 },
      note: `batches of ${CONCURRENCY} awaited with Promise.all`,
    }),
    compareRow({
      id: 'R2 raw',
      title: 'raw XADD, 100 in flight, vs awaited',
      unit: 'msg/s',
      product: { label: `${CONCURRENCY} XADD in flight`, samples: throughput.get('r2-raw')! },
      reference: { label: 'await XADD (R1 reference)', samples: throughput.get('r1-raw')! },
      note: 'no goal; what the R2 goal asks of the bus, done with ioredis alone (no auto-pipelining)',
    }),
    compareRow({
      id: 'R3 p50',
      title: REDIS_ROWS[2][1],
      unit: 'ms',
      product: { label: 'publish() to subscriber', samples: latency.get('bus-p50')! },
      reference: { label: 'XADD to XREAD BLOCK', samples: latency.get('raw-p50')! },
      goal: { comparison: 'at most', ratio: 1.5 },
      note: `two apps in one process; ${settings.latencySamples} messages per run, one in flight`,
    }),
    compareRow({
      id: 'R3 p99',
      title: REDIS_ROWS[3][1],
      unit: 'ms',
      product: { label: 'publish() to subscriber', samples: latency.get('bus-p99')! },
      reference: { label: 'XADD to XREAD BLOCK', samples: latency.get('raw-p99')! },
      goal: { comparison: 'at most', ratio: 2 },
    }),
  ];
}

/** Measures R3 with a second bus instance and a raw reader; returns p50 and p99 figures. */
async function measureLatency(
  url: string,
  settings: RedisSettings,
  publisher: BusContext,
  raw: Redis,
): Promise<Map<string, number[]>> {
  const busWaiter = new ArrivalWaiter();
  const receiver = await createBusContext({
    busOptions: {
      transport: { type: 'redis', url, keyPrefix: 'bench:', consumerName: 'bench-receiver' },
    },
  });
  receiver.bus.subscribe(BENCH_CHANNEL, (envelope) => busWaiter.arrived(envelope.payload.seq), {
    name: 'LatencyProbe',
  });

  const latencyStream = 'bench-raw:latency';
  const rawWaiter = new ArrivalWaiter();
  const readerConnection = new Redis(url, { connectionName: 'bench-raw-reader' });
  const reader = new RawStreamReader(readerConnection, latencyStream, rawWaiter);
  const rawSend = (seq: number) =>
    raw.xadd(latencyStream, 'MAXLEN', '~', MAX_LEN, '*', 'envelope', rawEnvelopeJson(seq));

  const p99s = new ExtraFigures(settings.plan.warmupRounds);
  const p50s = await runInterleaved(
    [
      {
        name: 'bus',
        run: () =>
          latencyRun(settings.latencySamples, publish(publisher), busWaiter, (p99) =>
            p99s.add('bus', p99),
          ),
      },
      {
        name: 'raw',
        run: () =>
          latencyRun(settings.latencySamples, rawSend, rawWaiter, (p99) => p99s.add('raw', p99)),
      },
    ],
    settings.plan,
    (line) => progress(GROUP, `latency ${line}`),
  );

  await reader.stop();
  readerConnection.disconnect();
  await receiver.app.close();
  return new Map([
    ['bus-p50', p50s.get('bus')!],
    ['raw-p50', p50s.get('raw')!],
    ['bus-p99', p99s.measured('bus')],
    ['raw-p99', p99s.measured('raw')],
  ]);
}

function publish(context: BusContext) {
  return (seq: number) => context.bus.publish(BENCH_CHANNEL, benchPayload(seq));
}

runGroup(GROUP, measure);
