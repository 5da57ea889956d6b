import 'reflect-metadata';
import { createBusContext } from '../support/bench-app.js';
import { BENCH_CHANNEL, benchPayload } from '../support/bench-channels.js';
import { progress, runGroup, type BenchMode } from '../support/group.js';
import { judge, type Goal, type ResultRow } from '../support/result-row.js';
import { burstsPerSecond, collectGarbage } from '../support/rounds.js';
import { summarize } from '../support/stats.js';

const GROUP = 'memory';
const MIB = 1024 * 1024;

interface MemorySettings {
  /** Publishes before the first heap reading. */
  early: number;
  /** Publishes in all before the second reading. */
  late: number;
}

const SETTINGS: Record<BenchMode, MemorySettings> = {
  full: { early: 10_000, late: 1_000_000 },
  smoke: { early: 2_000, late: 20_000 },
};

const GOAL: Goal = { comparison: 'at most', ratio: 1.2 };

/** Returns the used heap in bytes after full collections, which `--expose-gc` makes possible. */
function heapAfterCollection(): number {
  if (globalThis.gc === undefined) {
    throw new Error('The memory group needs node --expose-gc');
  }
  // A second pass frees what finalisers of the first released.
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

async function measure(mode: BenchMode): Promise<ResultRow[]> {
  const settings = SETTINGS[mode];
  const { app, bus } = await createBusContext();
  let received = 0;
  bus.subscribe(BENCH_CHANNEL, () => received++, { name: 'Counter' });

  const baseline = heapAfterCollection();
  await burstsPerSecond(settings.early, 1000, (seq) => {
    void bus.publish(BENCH_CHANNEL, benchPayload(seq));
  });
  const early = heapAfterCollection();
  progress(GROUP, `${settings.early} publishes: heap ${(early / MIB).toFixed(1)} MiB`);

  await burstsPerSecond(settings.late - settings.early, 1000, (seq) => {
    void bus.publish(BENCH_CHANNEL, benchPayload(settings.early + seq));
  });
  const late = heapAfterCollection();
  progress(GROUP, `${settings.late} publishes: heap ${(late / MIB).toFixed(1)} MiB`);

  if (received !== settings.late) {
    throw new Error(`Expected ${settings.late} deliveries, got ${received}`);
  }
  await app.close();

  const ratio = late / early;
  const lateLabel = settings.late.toLocaleString('en-US');
  const earlyLabel = settings.early.toLocaleString('en-US');
  return [
    {
      id: 'M1',
      title: `heap after ${lateLabel} publishes vs ${earlyLabel}`,
      unit: 'MiB',
      product: { label: `after ${lateLabel}`, summary: summarize([late / MIB]) },
      reference: { label: `after ${earlyLabel}`, summary: summarize([early / MIB]) },
      ratio: summarize([ratio]),
      goal: GOAL,
      verdict: judge(ratio, GOAL),
      note:
        `default history capacity; one app, heapUsed after two gc() calls, one measurement (no rounds); heap before the ` +
        `first publish ${(baseline / MIB).toFixed(1)} MiB, so the bus grew by ` +
        `${((early - baseline) / MIB).toFixed(2)} MiB and then ${((late - baseline) / MIB).toFixed(2)} MiB`,
    },
  ];
}

runGroup(GROUP, measure);
