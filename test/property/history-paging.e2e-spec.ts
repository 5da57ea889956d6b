import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Envelope, HistoryQuery } from '../../src/event-bus/index.js';
import { closeApps, startBusApp, uniqueKeyPrefix, type RunningApp } from '../support/redis-apps.js';
import { describeRedis, startRedis, type RedisServer } from '../support/redis-server.js';

const CHANNELS = ['paging.alpha', 'paging.beta', 'paging.gamma'] as const;
type PagingChannel = (typeof CHANNELS)[number];

/** Stops a property after this long even if fewer runs were done; a failure still fails it. */
const TIME_LIMIT_MS = 10_000;

/** Minimum number of runs a property must complete within the time limit to count as tested. */
const MIN_RUNS = 20;

/** The channels a query selects, in the three forms a query can name them. */
type Selection = { label: string; query: HistoryQuery; channels: readonly PagingChannel[] };

const selectionArbitrary: fc.Arbitrary<Selection> = fc.oneof(
  fc.constant({ label: 'all channels', query: {}, channels: CHANNELS }),
  fc.constantFrom(...CHANNELS).map((channel) => ({
    label: `channel=${channel}`,
    query: { channel },
    channels: [channel],
  })),
  fc.constant({
    label: 'channels=paging.*',
    query: { channels: ['paging.*'] },
    channels: CHANNELS,
  }),
  fc.subarray([...CHANNELS], { minLength: 1 }).map((channels) => ({
    label: `channels=${channels.join(',')}`,
    query: { channels },
    channels,
  })),
);

/**
 * One paging session. A marker message bounds the window from below. The `before` messages are
 * published one at a time before the first page request. The `during[i]` messages are published
 * concurrently with page request `i`, some started just before the request and some just after.
 */
function scenarioArbitrary(
  selection: fc.Arbitrary<Selection>,
  marker = fc.constantFrom(...CHANNELS),
) {
  return fc.record({
    marker,
    before: fc.array(fc.constantFrom(...CHANNELS), { maxLength: 40 }),
    selection,
    order: fc.constantFrom<'asc' | 'desc'>('asc', 'desc'),
    limit: fc.integer({ min: 1, max: 12 }),
    during: fc.array(
      fc.array(fc.record({ channel: fc.constantFrom(...CHANNELS), startFirst: fc.boolean() }), {
        maxLength: 4,
      }),
      { maxLength: 25 },
    ),
  });
}
type Scenario = ReturnType<typeof scenarioArbitrary> extends fc.Arbitrary<infer T> ? T : never;

/** Scenarios over any selection, with the marker on any channel. */
const anyScenario = scenarioArbitrary(selectionArbitrary);

/** Scenarios that select one channel and put the marker on it; others get concurrent publishes. */
const oneChannelScenario = fc
  .constantFrom(...CHANNELS)
  .chain((channel) =>
    scenarioArbitrary(
      fc.constant({ label: `channel=${channel}`, query: { channel }, channels: [channel] }),
      fc.constant(channel),
    ),
  );

/** What one paging session saw, and what it had to see. */
interface PagingResult {
  /** Ids published before the first page request, on a selected channel, in publish order. */
  required: string[];
  /** Every id this session published after the marker, with its channel. */
  publishedAfterMarker: Map<string, PagingChannel>;
  /** Ids of every page's items, in the order received. */
  seen: string[];
}

/**
 * Pages through the window `after=<marker>` with `next_cursor` while other messages are
 * published concurrently, until `next_cursor` is null.
 *
 * The window is fixed by the marker: every message of the selected channels published after the
 * marker and before the first page request must be seen exactly once. Messages published while
 * paging may be seen or not, but never twice. History is large enough that nothing is evicted.
 */
async function page(running: RunningApp, scenario: Scenario): Promise<PagingResult> {
  const { bus } = running;
  const publish = (channel: PagingChannel, n: number): Promise<Envelope> =>
    (bus as unknown as PagingBus).publish(channel, { n });
  const publishedAfterMarker = new Map<string, PagingChannel>();
  const record = async (channel: PagingChannel, n: number): Promise<Envelope> => {
    const envelope = await publish(channel, n);
    publishedAfterMarker.set(envelope.message_id, channel);
    return envelope;
  };

  const marker = await publish(scenario.marker, -1);
  const required: string[] = [];
  for (const [n, channel] of scenario.before.entries()) {
    const envelope = await record(channel, n);
    if (scenario.selection.channels.includes(channel)) {
      required.push(envelope.message_id);
    }
  }

  const seen: string[] = [];
  let cursor: string | null = null;
  const maxPages = scenario.before.length + scenario.during.flat().length + 2;
  for (let step = 0; step <= maxPages; step++) {
    const concurrent = scenario.during[step] ?? [];
    const started = concurrent
      .filter((one) => one.startFirst)
      .map((one) => record(one.channel, step));
    const query: HistoryQuery = {
      ...scenario.selection.query,
      order: scenario.order,
      limit: scenario.limit,
      after: marker.message_id,
    };
    if (cursor !== null) {
      query[scenario.order === 'asc' ? 'after' : 'before'] = cursor;
    }
    const pageRequest = bus.history(query);
    const later = concurrent
      .filter((one) => !one.startFirst)
      .map((one) => record(one.channel, step));
    const [result] = await Promise.all([pageRequest, ...started, ...later]);

    seen.push(...result.items.map((item) => item.message_id));
    cursor = result.next_cursor;
    if (cursor === null) {
      return { required, publishedAfterMarker, seen };
    }
  }
  throw new Error(`Paging did not end within ${maxPages} pages for ${scenario.selection.label}`);
}

/** The bus typed loosely, for the test's own channels. */
type PagingBus = { publish(channel: string, payload: unknown): Promise<Envelope> };

/** Checks one session; returns undefined when it holds, or what went wrong. */
function pagingProblem(
  result: PagingResult,
  scenario: Scenario,
  ordered: boolean,
): string | undefined {
  const seenSet = new Set(result.seen);
  if (seenSet.size !== result.seen.length) {
    const repeated = result.seen.filter((id, index) => result.seen.indexOf(id) !== index);
    return `repeated ${repeated.length} message(s): ${repeated.join(', ')}`;
  }

  const skipped = result.required.filter((id) => !seenSet.has(id));
  if (skipped.length > 0) {
    return `skipped ${skipped.length} of ${result.required.length} required message(s)`;
  }

  const outside = result.seen.filter((id) => {
    const channel = result.publishedAfterMarker.get(id);
    return channel === undefined || !scenario.selection.channels.includes(channel);
  });
  if (outside.length > 0) {
    return `returned ${outside.length} message(s) outside the window or the selected channels`;
  }

  if (ordered) {
    const positions = result.required.map((id) => result.seen.indexOf(id));
    const expected = [...positions].sort((a, b) => (scenario.order === 'asc' ? a - b : b - a));
    if (positions.join() !== expected.join()) {
      return `returned the required messages out of ${scenario.order} publish order`;
    }
  }
  return undefined;
}

/**
 * Runs the paging property against a bus.
 * @param ordered also require the publish order of the required messages, which only the
 *   in-memory history keeps across channels (Redis orders by entry id, then channel name)
 */
async function checkPaging(
  running: RunningApp,
  scenarios: fc.Arbitrary<Scenario>,
  numRuns: number,
  ordered: boolean,
): Promise<number> {
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(scenarios, async (scenario) => {
      runs++;
      const result = await page(running, scenario);
      const problem = pagingProblem(result, scenario, ordered);
      if (problem !== undefined) {
        throw new Error(`${scenario.order} paging of ${scenario.selection.label}: ${problem}`);
      }
    }),
    { numRuns, interruptAfterTimeLimit: TIME_LIMIT_MS },
  );
  return runs;
}

const pagingChannels = CHANNELS.map((name) => ({ name }));

describe('EventBusService in memory', () => {
  let running: RunningApp | undefined;

  afterEach(async () => {
    await closeApps(running);
    running = undefined;
  });

  it(
    'pages memory history exactly once',
    async () => {
      running = await startBusApp({ channels: pagingChannels, historyCapacity: 100_000 });

      const runs = await checkPaging(running, anyScenario, 200, true);

      expect(runs).toBeGreaterThanOrEqual(MIN_RUNS);
    },
    TIME_LIMIT_MS * 3,
  );
});

describeRedis('EventBusService on Redis', () => {
  let server: RedisServer | undefined;
  let running: RunningApp | undefined;

  beforeAll(async () => {
    server = await startRedis();
  });

  afterEach(async () => {
    await closeApps(running);
    running = undefined;
  });

  afterAll(async () => {
    await server?.close();
  });

  async function startRedisBus(): Promise<RunningApp> {
    return startBusApp({
      channels: pagingChannels,
      transport: {
        type: 'redis',
        url: (server as RedisServer).url,
        keyPrefix: uniqueKeyPrefix('paging'),
        maxLen: 100_000,
      },
    });
  }

  it(
    'pages one Redis channel exactly once',
    async () => {
      running = await startRedisBus();

      const runs = await checkPaging(running, oneChannelScenario, 100, true);

      expect(runs).toBeGreaterThanOrEqual(MIN_RUNS);
    },
    TIME_LIMIT_MS * 3,
  );

  // Across channels: a message published after the marker on another channel, even in the same
  // millisecond, must come after it, because entry ids are ordered across all channel streams.
  it(
    'pages Redis history exactly once',
    async () => {
      running = await startRedisBus();

      const runs = await checkPaging(running, anyScenario, 100, false);

      expect(runs).toBeGreaterThanOrEqual(MIN_RUNS);
    },
    TIME_LIMIT_MS * 3,
  );
});
