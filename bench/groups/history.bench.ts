import 'reflect-metadata';
import { DEFAULT_HISTORY_CAPACITY } from '../../src/event-bus/index.js';
import { createBusContext, type BusContext } from '../support/bench-app.js';
import { BENCH_CHANNEL, benchPayload } from '../support/bench-channels.js';
import { progress, runGroup, type BenchMode } from '../support/group.js';
import { compareRow, type ResultRow } from '../support/result-row.js';
import {
  awaitedPerSecond,
  burstsPerSecond,
  runInterleaved,
  type RoundPlan,
} from '../support/rounds.js';

const GROUP = 'history';

/** Items per page, the same as `GET /events/history?limit=50`. */
const PAGE_LIMIT = 50;

interface HistorySettings {
  plan: RoundPlan;
  /** Queries per member and round, each awaited. */
  queries: number;
  /** Messages published into the large bus, all retained. */
  largeRetained: number;
  /** Messages published into the default bus, which keeps the last 1000. */
  defaultPublished: number;
}

const SETTINGS: Record<BenchMode, HistorySettings> = {
  full: {
    plan: { warmupRounds: 3, rounds: 11 },
    queries: 20_000,
    largeRetained: 100_000,
    defaultPublished: 100_000,
  },
  smoke: {
    plan: { warmupRounds: 1, rounds: 2 },
    queries: 200,
    largeRetained: 5_000,
    defaultPublished: 5_000,
  },
};

/** Creates a bus with the given history capacity and publishes `published` messages into it. */
async function filledBus(historyCapacity: number | undefined, published: number) {
  const context = await createBusContext({ busOptions: { historyCapacity } });
  await burstsPerSecond(published, 1000, (seq) => {
    void context.bus.publish(BENCH_CHANNEL, benchPayload(seq));
  });
  return context;
}

/**
 * Checks that the bus retains `retained` bench messages and returns a full newest-first page,
 * so that both buses serve the measured query in full.
 */
async function expectHistory(context: BusContext, label: string, retained: number): Promise<void> {
  const channels = await context.bus.channels();
  const inHistory = channels.find((channel) => channel.name === BENCH_CHANNEL)?.in_history;
  if (inHistory !== retained) {
    throw new Error(`${label}: expected ${retained} messages in history, found ${inHistory}`);
  }

  const page = await context.bus.history({ limit: PAGE_LIMIT });
  const sequences = page.items.map((item) => (item.payload as { seq: number }).seq);
  const descending = sequences.every((seq, i) => i === 0 || seq < sequences[i - 1]);
  if (page.items.length !== PAGE_LIMIT || !descending || page.next_cursor === null) {
    throw new Error(
      `${label}: expected a full page of ${PAGE_LIMIT} newest-first items with a next_cursor, got ${page.items.length} items`,
    );
  }
}

async function measure(mode: BenchMode): Promise<ResultRow[]> {
  const settings = SETTINGS[mode];
  const large = await filledBus(settings.largeRetained, settings.largeRetained);
  const standard = await filledBus(undefined, settings.defaultPublished);
  await expectHistory(large, 'large history', settings.largeRetained);
  await expectHistory(standard, 'default history', DEFAULT_HISTORY_CAPACITY);
  progress(GROUP, `filled ${settings.largeRetained} and ${settings.defaultPublished} messages`);

  const query = (context: BusContext) => () =>
    awaitedPerSecond(settings.queries, () => context.bus.history({ limit: PAGE_LIMIT }));
  const results = await runInterleaved(
    [
      { name: 'large', run: query(large) },
      { name: 'default', run: query(standard) },
    ],
    settings.plan,
    (line) => progress(GROUP, line),
  );

  await large.app.close();
  await standard.app.close();

  return [
    compareRow({
      id: 'H2',
      title: `history() of ${PAGE_LIMIT}, ${settings.largeRetained.toLocaleString('en-US')} retained vs 1,000`,
      unit: 'query/s',
      product: {
        label: `${settings.largeRetained.toLocaleString('en-US')} retained`,
        samples: results.get('large')!,
      },
      reference: { label: '1,000 retained', samples: results.get('default')! },
      goal: { comparison: 'at least', ratio: 0.8 },
      note: 'each query awaited; newest first over every channel',
    }),
  ];
}

runGroup(GROUP, measure);
