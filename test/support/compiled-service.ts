import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { sendRaw } from './raw-http.js';
import { waitFor } from './wait-for.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
/** Private builds live under node_modules, so the compiled files still resolve packages. */
const BUILD_CACHE = join(ROOT, 'node_modules', '.cache', 'karma-event-bus-reliability');
const BUILD_INPUTS = [
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
  'schemas/event_bus.json',
];

/** Files that `npm run build` compiles or copies: the sources less unit tests. */
function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return sourceFiles(path);
    }
    return entry.name.endsWith('.spec.ts') ? [] : [path];
  });
}

/**
 * Returns a folder holding the compiled service (`main.js` and the rest of `src` as JavaScript):
 * `dist/` when it is newer than every source file, otherwise a private build of the current
 * sources, made once per content hash. `dist/` itself is never written, so suites that run at the
 * same time keep a stable `dist/`.
 */
export async function compiledServiceDir(): Promise<string> {
  const inputs = [...sourceFiles(), ...BUILD_INPUTS.map((file) => join(ROOT, file))];
  const distMain = join(DIST, 'main.js');
  if (existsSync(distMain)) {
    const builtAt = statSync(distMain).mtimeMs;
    if (inputs.every((file) => statSync(file).mtimeMs <= builtAt)) {
      return DIST;
    }
  }

  const hash = createHash('sha256');
  for (const file of inputs.sort()) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file));
  }
  // The compiled code reads `../schemas/event_bus.json` beside its folder, so each build is a
  // small copy of the repository layout: `dist/`, `schemas/` and a package.json for ESM.
  const target = join(BUILD_CACHE, hash.digest('hex').slice(0, 16));
  if (existsSync(join(target, 'dist', 'main.js'))) {
    return join(target, 'dist');
  }

  mkdirSync(BUILD_CACHE, { recursive: true });
  removeOldBuilds();
  const staging = mkdtempSync(join(BUILD_CACHE, 'staging-'));
  try {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      await promisify(execFile)(
        process.execPath,
        [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(staging, 'dist')],
        { cwd: ROOT, timeout: 120_000 },
      );
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`Building src/ with tsc failed:\n${stdout ?? ''}${stderr ?? ''}`, {
        cause: error,
      });
    }
    cpSync(join(SRC, 'dashboard', 'assets'), join(staging, 'dist', 'dashboard', 'assets'), {
      recursive: true,
    });
    cpSync(join(ROOT, 'schemas'), join(staging, 'schemas'), { recursive: true });
    writeFileSync(join(staging, 'package.json'), JSON.stringify({ type: 'module' }));
    // Another suite may have finished the same build first; either copy is complete.
    if (!existsSync(target)) {
      renameSync(staging, target);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return join(target, 'dist');
}

/** Builds older than this are deleted before a new one is made; a running suite uses a new one. */
const BUILD_MAX_AGE_MS = 60 * 60 * 1000;

function removeOldBuilds(): void {
  for (const entry of readdirSync(BUILD_CACHE)) {
    const path = join(BUILD_CACHE, entry);
    if (Date.now() - statSync(path).mtimeMs > BUILD_MAX_AGE_MS) {
      rmSync(path, { recursive: true, force: true });
    }
  }
}

/** Exit code and signal of a finished process. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A spawned service: its process, port, output so far, and a promise of its exit. */
export interface SpawnedService {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<ProcessExit>;
  output(): string;
  /** Kills the process with SIGKILL if it still runs, and waits for it to exit. */
  kill(): Promise<void>;
}

/** How long a spawned service may take until `GET /health/ready` returns 200. */
const READY_TIMEOUT_MS = 20_000;

/**
 * Starts `node <script>` with `env` on top of the test's environment, less `NODE_OPTIONS` and
 * every `EVENT_BUS_*` variable, and resolves once `GET /health/ready` on 127.0.0.1:`port` returns
 * 200.
 * @throws Error with the process output when it exits or is not ready within 20 s
 */
export async function spawnService(
  script: string,
  port: number,
  env: Record<string, string>,
): Promise<SpawnedService> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => key !== 'NODE_OPTIONS' && !key.startsWith('EVENT_BUS_'),
    ),
  );
  const child = spawn(process.execPath, [script], {
    cwd: ROOT,
    env: { ...inherited, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  let running = true;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
  });
  const service: SpawnedService = {
    child,
    port,
    exited,
    output: () => chunks.join(''),
    kill: async () => {
      if (running) {
        child.kill('SIGKILL');
      }
      await exited;
    },
  };

  const isReady = async () => {
    const outcome = await sendRaw(
      port,
      { method: 'GET', path: '/health/ready' },
      { timeoutMs: 1_000 },
    );
    return 'status' in outcome && outcome.status === 200;
  };
  try {
    await waitFor(async () => !running || (await isReady()), READY_TIMEOUT_MS, 'readiness');
  } catch {
    // Reported below with the output.
  }
  if (running && (await isReady())) {
    return service;
  }
  await service.kill();
  throw new Error(
    `${relative(ROOT, script)} was not ready on port ${port} within ${READY_TIMEOUT_MS} ms:\n${service.output()}`,
  );
}
