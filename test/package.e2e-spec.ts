import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  PACKAGE_CONSUMER_MAIN,
  PACKAGE_CONSUMER_TSCONFIG,
  type PackageConsumerReport,
} from './support/package-consumer.fixture.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** Deadline of each step; the whole setup usually takes 30 to 60 s on 2 cores. */
const STEP_TIMEOUT_MS = 120_000;

/** Packages the consumer app installs next to the tarball, at this repository's versions. */
const CONSUMER_PACKAGES = [
  '@nestjs/common',
  '@nestjs/config',
  '@nestjs/core',
  '@nestjs/platform-express',
  '@nestjs/swagger',
  '@nestjs/testing',
  '@nestjs/websockets',
  '@types/node',
  'class-transformer',
  'class-validator',
  'reflect-metadata',
  'rxjs',
];

interface PackResult {
  filename: string;
  files: { path: string }[];
}

interface RunResult {
  stdout: string;
  stderr: string;
}

/**
 * Returns the environment of the child processes: this one without Jest's Node options and the
 * variables `npm test` sets for this repository's own package.
 */
function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        name !== 'NODE_OPTIONS' &&
        !name.startsWith('npm_package_') &&
        !name.startsWith('npm_lifecycle_'),
    ),
  );
}

/** Runs a command and resolves with its output; rejects on a non-zero exit or at the deadline. */
function run(command: string, args: string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), STEP_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve({ stdout, stderr });
        return;
      }
      const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
      reject(
        new Error(`${command} ${args.join(' ')} failed with ${how}:\n${stdout}\n${stderr}`.trim()),
      );
    });
  });
}

/**
 * Packs the library as `npm pack` does from a fresh build: the published files are copied to a
 * staging folder and compiled there with `tsconfig.build.json`, so this repository's `dist/`,
 * which other suites run, is never rebuilt while they use it.
 */
async function packLibrary(workDir: string): Promise<PackResult> {
  const staging = join(workDir, 'staging');
  await mkdir(staging);
  for (const file of ['package.json', 'README.md', 'LICENSE', 'schemas']) {
    await cp(join(REPO_ROOT, file), join(staging, file), { recursive: true });
  }
  await run(
    process.execPath,
    [TSC, '-p', join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', join(staging, 'dist')],
    REPO_ROOT,
  );

  // --ignore-scripts skips "prepack", which would run `nest build` in the staging folder.
  const packed = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', workDir],
    staging,
  );
  return (JSON.parse(packed.stdout) as PackResult[])[0];
}

/** Writes, installs, compiles and runs the consumer app; resolves with what it printed. */
async function runConsumer(workDir: string, tarball: string): Promise<PackageConsumerReport> {
  const appDir = join(workDir, 'consumer');
  await mkdir(join(appDir, 'src'), { recursive: true });
  const lock = JSON.parse(await readFile(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version: string }>;
  };
  const dependencies = Object.fromEntries(
    CONSUMER_PACKAGES.map((name) => [name, lock.packages[`node_modules/${name}`].version]),
  );
  const manifest = {
    name: 'package-consumer',
    private: true,
    type: 'module',
    dependencies: { ...dependencies, 'karma-event-bus': `file:../${tarball}` },
  };
  await writeFile(join(appDir, 'package.json'), JSON.stringify(manifest, null, 2));
  await writeFile(join(appDir, 'tsconfig.json'), JSON.stringify(PACKAGE_CONSUMER_TSCONFIG));
  await writeFile(join(appDir, 'src', 'main.ts'), PACKAGE_CONSUMER_MAIN);

  await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'],
    appDir,
  );
  await run(process.execPath, [TSC, '-p', 'tsconfig.json'], appDir);
  const { stdout } = await run(process.execPath, ['dist/main.js'], appDir);
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as PackageConsumerReport;
}

describe('karma-event-bus package (e2e)', () => {
  let workDir: string;
  let packed: PackResult;
  let report: PackageConsumerReport;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'karma-event-bus-package-'));
    packed = await packLibrary(workDir);
    report = await runConsumer(workDir, packed.filename);
  }, 4 * STEP_TIMEOUT_MS);

  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  describe('npm pack', () => {
    it('packs only the library', () => {
      const unexpected = packed.files
        .map((file) => file.path)
        .filter(
          (path) =>
            !['package.json', 'README.md', 'LICENSE', 'schemas/event_bus.json'].includes(path) &&
            !/^dist\/event-bus\/.+\.(js|d\.ts)$/.test(path),
        );

      expect(unexpected).toEqual([]);
    });

    it('packs every export target', async () => {
      const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {
        exports: Record<string, string | Record<string, string>>;
        main: string;
        types: string;
      };
      const targets = Object.values(manifest.exports).flatMap((target) =>
        typeof target === 'string' ? [target] : Object.values(target),
      );
      const paths = new Set(packed.files.map((file) => `./${file.path}`));

      expect(
        [...targets, manifest.main, manifest.types].filter((path) => !paths.has(path)),
      ).toEqual([]);
      expect(paths.has('./dist/event-bus/validation/event-bus-schema.js')).toBe(true);
      expect(paths.has('./schemas/event_bus.json')).toBe(true);
    });

    it('leaves out specs and source maps', () => {
      const paths = packed.files.map((file) => file.path);

      expect(paths.filter((path) => /\.spec\.|\.map$|^src\//.test(path))).toEqual([]);
    });
  });

  describe('when a Nest app installs it', () => {
    it('installs without ioredis', () => {
      const modules = join(workDir, 'consumer', 'node_modules');

      expect(existsSync(join(modules, 'karma-event-bus', 'dist', 'event-bus', 'index.js'))).toBe(
        true,
      );
      expect(existsSync(join(modules, '@nestjs', 'event-emitter'))).toBe(true);
      expect(existsSync(join(modules, 'ioredis'))).toBe(false);
    });

    it('serves history on 127.0.0.1', () => {
      expect(report.app.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(report.app.history.status).toBe(200);
      expect(report.app.history.body.items.map((item) => item.message_id)).toEqual([
        report.app.published,
      ]);
      expect(report.app.history.body.next_cursor).toBeNull();
    });

    it('delivers to @OnChannel listeners', () => {
      expect(report.app.audited).toEqual(['o-1']);
    });

    it('validates the custom channel', () => {
      expect(report.app.invalid).toBe('payload.total_cents');
      expect(report.app.channels).toEqual([
        'karma.feedback',
        'karma.lifecycle',
        'karma.analytics',
        'orders.created',
      ]);
    });

    it('serves CloudEvents and AsyncAPI', () => {
      expect(report.app.cloudEventTypes).toEqual(['orders.created']);
      expect(report.app.asyncApiChannels).toEqual(report.app.channels);
    });

    it('runs the testing kit', () => {
      expect(report.testing).toEqual({ found: 'o-9', recorded: 1, audited: ['o-9'] });
    });

    it('names ioredis when Redis is asked for', () => {
      expect(report.redisWithoutIoredis).toBe(
        'The Redis transport needs the ioredis package, which is not installed; ' +
          'install it next to karma-event-bus with: npm install ioredis',
      );
    });

    it('loads with require()', async () => {
      const script =
        "const bus = require('karma-event-bus');" +
        "const testing = require('karma-event-bus/testing');" +
        'console.log(typeof bus.EventBusModule, typeof testing.createTestingBus);';

      const { stdout } = await run(
        process.execPath,
        ['--input-type=commonjs', '-e', script],
        join(workDir, 'consumer'),
      );

      expect(stdout.trim()).toBe('function function');
    });
  });
});
