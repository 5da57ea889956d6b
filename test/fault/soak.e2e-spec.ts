import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { compiledServiceDir } from '../support/compiled-service.js';
import { describeRedis, startRedis, type RedisServer } from '../support/redis-server.js';

const SOAK_SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'soak.mjs');
/** The short run CI can afford; `npm run soak` runs 60 s. */
const DURATION_MS = 5_000;
const RATE = 2_000;
/** Fraction of the target rate the run must reach for the load to count as sustained. */
const HELD_FRACTION = 0.9;

/** The JSON summary the soak script prints as its last line. */
interface SoakSummary {
  ok: boolean;
  problems: string[];
  transport: string;
  published: number;
  delivered: number;
  failing: number;
  failuresCounted: number;
  achievedRate: number;
  unhandled: string[];
  heapMb: { warmUp: number; end: number; limit: number };
}

/** Runs the soak script to its end and returns its exit code, summary and output. */
async function runSoak(
  env: Record<string, string>,
): Promise<{ code: number | null; summary: SoakSummary; output: string }> {
  const child = spawn(process.execPath, [SOAK_SCRIPT], {
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'NODE_OPTIONS')),
      SOAK_DURATION_MS: String(DURATION_MS),
      SOAK_RATE: String(RATE),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode))),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(
          new Error(
            `soak.mjs did not finish within ${DURATION_MS + 30_000} ms:\n${chunks.join('')}`,
          ),
        );
      }, DURATION_MS + 30_000);
    }),
  ]).finally(() => clearTimeout(timer));

  const output = chunks.join('');
  const lastLine = output.trim().split('\n').at(-1) ?? '';
  let summary: SoakSummary;
  try {
    summary = JSON.parse(lastLine) as SoakSummary;
  } catch {
    throw new Error(`soak.mjs printed no JSON summary (exit code ${code}):\n${output}`);
  }
  return { code, summary, output };
}

function expectLoadSustained(result: { code: number | null; summary: SoakSummary }): void {
  const { summary } = result;

  expect(summary.problems).toEqual([]);
  expect(summary.ok).toBe(true);
  expect(result.code).toBe(0);
  expect(summary.published).toBeGreaterThanOrEqual((RATE * DURATION_MS * HELD_FRACTION) / 1000);
  expect(summary.delivered).toBe(summary.published);
  expect(summary.failuresCounted).toBe(summary.failing);
  expect(summary.unhandled).toEqual([]);
}

describe('scripts/soak.mjs', () => {
  let distDir: string;

  beforeAll(async () => {
    distDir = await compiledServiceDir();
  }, 120_000);

  it(
    'sustains load in memory',
    async () => {
      const result = await runSoak({ SOAK_DIST_DIR: distDir });
      console.log(`Soak in memory: ${JSON.stringify(result.summary)}`);

      expectLoadSustained(result);
    },
    DURATION_MS + 40_000,
  );

  describeRedis('on Redis', () => {
    let server: RedisServer | undefined;

    beforeAll(async () => {
      server = await startRedis();
    });

    afterAll(async () => {
      await server?.close();
    });

    it(
      'sustains load on Redis',
      async () => {
        const result = await runSoak({
          SOAK_DIST_DIR: distDir,
          SOAK_REDIS_URL: (server as RedisServer).url,
        });
        console.log(`Soak on Redis: ${JSON.stringify(result.summary)}`);

        expectLoadSustained(result);
      },
      DURATION_MS + 40_000,
    );
  });
});
