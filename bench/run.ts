/**
 * Runs the benchmark groups, each in a process of its own, prints the results table and, in full
 * mode, writes it to docs/BENCHMARKS.md.
 *
 *   node dist-bench/bench/run.js [--smoke] [--only publish,http] [--no-write]
 *
 * `npm run bench` and `npm run bench:smoke` build this folder first. Smoke mode runs every
 * group with tiny counts to keep the suite working; its figures mean nothing and nothing is
 * written. A run of some groups (`--only`) prints its rows and writes nothing either. A MISS never fails the run; a group that crashes or fails a delivery check does.
 */
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchExecArgv, type BenchMode } from './support/group.js';
import { describeMachine, renderMachine } from './support/machine.js';
import { renderMisses, renderNotes, renderTable } from './support/format.js';
import type { GroupReport, ResultRow } from './support/result-row.js';
import { writeResultsPage } from './support/results-page.js';

/** The groups in run order, with the longest each may take per mode, in seconds. */
const GROUPS: { name: string; limitSeconds: Record<BenchMode, number> }[] = [
  { name: 'publish', limitSeconds: { full: 300, smoke: 60 } },
  { name: 'history', limitSeconds: { full: 180, smoke: 60 } },
  { name: 'memory', limitSeconds: { full: 180, smoke: 60 } },
  { name: 'http', limitSeconds: { full: 300, smoke: 60 } },
  { name: 'redis', limitSeconds: { full: 300, smoke: 60 } },
  { name: 'sse', limitSeconds: { full: 120, smoke: 60 } },
];

const RESULTS_PAGE = fileURLToPath(new URL('../../docs/BENCHMARKS.md', import.meta.url));

interface RunOptions {
  mode: BenchMode;
  only: Set<string> | undefined;
  write: boolean;
}

function parseArguments(argv: readonly string[]): RunOptions {
  const known = new Set(['--smoke', '--only', '--no-write']);
  const onlyIndex = argv.indexOf('--only');
  const only = onlyIndex === -1 ? undefined : new Set(argv[onlyIndex + 1]?.split(',') ?? []);
  for (const [index, arg] of argv.entries()) {
    if (!known.has(arg) && !(index === onlyIndex + 1 && onlyIndex !== -1)) {
      throw new Error(`Unknown argument ${arg}; allowed: --smoke, --only <groups>, --no-write`);
    }
  }
  const unknownGroups = [...(only ?? [])].filter((name) => !GROUPS.some((g) => g.name === name));
  if (unknownGroups.length > 0) {
    throw new Error(
      `Unknown group ${unknownGroups.join(', ')}; allowed: ${GROUPS.map((g) => g.name).join(', ')}`,
    );
  }
  const mode = argv.includes('--smoke') ? 'smoke' : 'full';
  // A page of some groups only would drop the rows of the others, so only a whole run writes.
  const write = mode === 'full' && only === undefined && !argv.includes('--no-write');
  return { mode, only, write };
}

/** Runs one group process; resolves with its report, or rejects when it fails or overruns. */
function runGroupProcess(
  name: string,
  mode: BenchMode,
  limitSeconds: number,
): Promise<GroupReport> {
  const script = new URL(`./groups/${name}.bench.js`, import.meta.url);
  const child = fork(script, ['--mode', mode], {
    execArgv: benchExecArgv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

  return new Promise((resolve, reject) => {
    let report: GroupReport | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`group ${name} did not finish within ${limitSeconds} s and was killed`));
    }, limitSeconds * 1000);
    child.on('message', (message) => (report = message as GroupReport));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && report !== undefined) {
        resolve(report);
      } else {
        reject(new Error(`group ${name} failed (exit code ${code}, signal ${signal})`));
      }
    });
  });
}

function renderGenerated(rows: ResultRow[], failures: string[], loadAtStart: number): string {
  const machine = describeMachine(loadAtStart);
  const parts = [
    '## Latest results',
    'Command: `npm run bench` (compiles bench/ to dist-bench/, then runs `node dist-bench/bench/run.js`).',
    renderMachine(machine),
    renderTable(rows),
    'Product and Reference show the median over the measured rounds, with the minimum and maximum ' +
      'in brackets. Ratio is product divided by reference, taken per round; its median is judged ' +
      'against the goal.',
    '### What each row compares',
    renderNotes(rows),
    '### Goals missed in this run',
    renderMisses(rows),
  ];
  if (failures.length > 0) {
    parts.push('### Groups that failed', failures.map((failure) => `- ${failure}`).join('\n'));
  }
  return parts.join('\n\n');
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const loadAtStart = loadavg()[0];
  const rows: ResultRow[] = [];
  const failures: string[] = [];

  for (const group of GROUPS) {
    if (options.only !== undefined && !options.only.has(group.name)) {
      continue;
    }
    process.stderr.write(`[bench] group ${group.name} (${options.mode})\n`);
    try {
      const report = await runGroupProcess(
        group.name,
        options.mode,
        group.limitSeconds[options.mode],
      );
      rows.push(...report.rows);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }

  if (options.mode === 'smoke') {
    console.log('Smoke mode: tiny counts, so the figures and verdicts below mean nothing.\n');
  }
  console.log(renderTable(rows));
  failures.forEach((failure) => console.error(`FAILED: ${failure}`));

  if (options.write) {
    writeResultsPage(RESULTS_PAGE, renderGenerated(rows, failures, loadAtStart));
    console.log(`\nWrote ${RESULTS_PAGE}`);
  }
  process.exitCode = failures.length > 0 ? 1 : 0;
}

await main();
