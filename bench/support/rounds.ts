import { setImmediate as nextMacrotask } from 'node:timers/promises';

/** One thing measured in every round; `run` returns the round's figure, such as ops per second. */
export interface Member {
  name: string;
  run(): Promise<number>;
}

/** Rounds before measuring (discarded) and rounds measured. */
export interface RoundPlan {
  warmupRounds: number;
  rounds: number;
}

/**
 * Runs every member once per round, warm-up rounds first, and returns the measured figures of
 * each member by name, in round order.
 *
 * Each round starts at the next member (round r runs members r, r+1, ... cyclically), so no
 * member always runs right after the same one. With `--expose-gc`, a full collection before each
 * run keeps garbage of one member from being collected on another's time.
 */
export async function runInterleaved(
  members: readonly Member[],
  plan: RoundPlan,
  log: (line: string) => void = () => undefined,
): Promise<Map<string, number[]>> {
  const results = new Map<string, number[]>(members.map((member) => [member.name, []]));
  const total = plan.warmupRounds + plan.rounds;

  for (let round = 0; round < total; round++) {
    const warmup = round < plan.warmupRounds;
    for (let offset = 0; offset < members.length; offset++) {
      const member = members[(round + offset) % members.length];
      collectGarbage();
      const figure = await member.run();
      if (!warmup) {
        results.get(member.name)!.push(figure);
      }
    }
    log(`${warmup ? 'warm-up' : 'round'} ${round + 1}/${total} done`);
  }
  return results;
}

/** Runs a full garbage collection when node runs with `--expose-gc`; does nothing otherwise. */
export function collectGarbage(): void {
  globalThis.gc?.();
}

/** Returns the elapsed time of an async call, in seconds, on the monotonic clock. */
export async function timeSeconds(work: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/**
 * Calls `operation(i)` for i from 0 to `count - 1` in synchronous bursts of `burstSize`, and
 * waits one macrotask turn after each burst so that the promises a burst created settle on the
 * measured time. Returns operations per second.
 */
export async function burstsPerSecond(
  count: number,
  burstSize: number,
  operation: (index: number) => void,
): Promise<number> {
  const seconds = await timeSeconds(async () => {
    for (let start = 0; start < count; start += burstSize) {
      const end = Math.min(start + burstSize, count);
      for (let i = start; i < end; i++) {
        operation(i);
      }
      await nextMacrotask();
    }
  });
  return count / seconds;
}

/**
 * Awaits `operation(i)` for i from 0 to `count - 1`, one at a time, and returns operations per
 * second.
 */
export async function awaitedPerSecond(
  count: number,
  operation: (index: number) => Promise<unknown>,
): Promise<number> {
  const seconds = await timeSeconds(async () => {
    for (let i = 0; i < count; i++) {
      await operation(i);
    }
  });
  return count / seconds;
}

/**
 * Figures a member records besides the one its `run` returns, such as a p99 next to a p50, in
 * run order. `measured` drops those of the warm-up rounds, as `runInterleaved` does.
 */
export class ExtraFigures {
  private readonly figures = new Map<string, number[]>();

  constructor(private readonly warmupRounds: number) {}

  add(key: string, value: number): void {
    const list = this.figures.get(key) ?? [];
    list.push(value);
    this.figures.set(key, list);
  }

  measured(key: string): number[] {
    return (this.figures.get(key) ?? []).slice(this.warmupRounds);
  }
}
