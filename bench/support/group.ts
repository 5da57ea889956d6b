import { Logger } from '@nestjs/common';
import type { GroupReport, ResultRow } from './result-row.js';

/** `full` measures with enough rounds to compare; `smoke` runs every path in seconds. */
export type BenchMode = 'full' | 'smoke';

/**
 * Node flags of every bench process: `--expose-gc`, plus `--cpu-prof` into the folder named by
 * the environment variable `BENCH_CPU_PROF_DIR` when it is set (Node refuses `--cpu-prof` in
 * `NODE_OPTIONS`, so it is passed here).
 */
export function benchExecArgv(): string[] {
  const profileDir = process.env.BENCH_CPU_PROF_DIR;
  return profileDir
    ? ['--expose-gc', '--cpu-prof', `--cpu-prof-dir=${profileDir}`]
    : ['--expose-gc'];
}

/** Reads `--mode full|smoke` from the command line; `full` when absent. */
export function readMode(argv: readonly string[] = process.argv): BenchMode {
  const index = argv.indexOf('--mode');
  const value = index === -1 ? 'full' : argv[index + 1];
  if (value !== 'full' && value !== 'smoke') {
    throw new Error(`Invalid --mode ${String(value)}; allowed: full, smoke`);
  }
  return value;
}

/** Writes a progress line of a group to stderr, so stdout stays free for the table. */
export function progress(group: string, line: string): void {
  process.stderr.write(`[bench:${group}] ${line}\n`);
}

/**
 * Runs one bench group as the body of its process: measures, sends the rows to the runner over
 * IPC (or prints them as JSON when started by hand), and exits. A thrown error prints its stack
 * and exits with status 1, which the runner reports as a failed group.
 */
export function runGroup(group: string, measure: (mode: BenchMode) => Promise<ResultRow[]>): void {
  // Nest's bootstrap lines would drown the progress output; errors still print.
  Logger.overrideLogger(['error']);

  const main = async () => {
    const rows = await measure(readMode());
    const report: GroupReport = { group, rows };
    if (process.send === undefined) {
      console.log(JSON.stringify(report, null, 2));
      return;
    }
    await new Promise<void>((resolve, reject) =>
      process.send!(report, undefined, {}, (error) => (error ? reject(error) : resolve())),
    );
  };

  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(
        `[bench:${group}] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
