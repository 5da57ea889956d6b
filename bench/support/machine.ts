import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os';

/** The facts about the machine and the code that the results page states. */
export interface MachineDescription {
  cpuModel: string;
  nproc: number;
  memoryGiB: string;
  node: string;
  os: string;
  redis: string;
  commit: string;
  date: string;
  /** One-minute load averages before the first group and after the last. */
  loadAtStart: number;
  loadAtEnd: number;
}

/** Returns the first line a command prints, or `fallback` when it cannot run. */
function firstLine(command: string, args: string[], fallback: string): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 5_000 });
  const line = result.status === 0 ? result.stdout.split('\n')[0].trim() : '';
  return line === '' ? fallback : line;
}

/**
 * Describes this machine, the Node and Redis versions, the commit being measured and the load
 * average, given the one-minute load average taken when the run started.
 */
export function describeMachine(loadAtStart: number): MachineDescription {
  const head = firstLine('git', ['rev-parse', '--short', 'HEAD'], 'unknown');
  const changed = spawnSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' });
  const dirty = changed.status === 0 && changed.stdout.trim() !== '';
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    nproc: availableParallelism(),
    memoryGiB: (totalmem() / 1024 ** 3).toFixed(1),
    node: process.version,
    os: `${type()} ${release()}`,
    redis: firstLine('redis-server', ['--version'], 'redis-server not installed'),
    commit: dirty ? `${head} with uncommitted changes under src/` : head,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    loadAtStart,
    loadAtEnd: loadavg()[0],
  };
}

/** Renders the description as a Markdown list. */
export function renderMachine(machine: MachineDescription): string {
  return [
    `- Date: ${machine.date}`,
    `- Commit: ${machine.commit}`,
    `- CPU: ${machine.cpuModel}, nproc ${machine.nproc}`,
    `- Memory: ${machine.memoryGiB} GiB`,
    `- Node: ${machine.node} on ${machine.os}`,
    `- Redis: ${machine.redis}`,
    `- One-minute load average: ${machine.loadAtStart.toFixed(2)} at the start, ` +
      `${machine.loadAtEnd.toFixed(2)} at the end (above 0 means other processes shared the cores)`,
  ].join('\n');
}
