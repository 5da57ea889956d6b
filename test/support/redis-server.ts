import { describe } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import {
  DATA_DIR_PREFIX,
  findFreePort,
  LOOPBACK,
  pingOnce,
  reapOrphanedServers,
  recordOwner,
} from './redis-process.js';

export { findFreePort, LOOPBACK };

/** How long a started server may take to reply to PING. */
const READY_TIMEOUT_MS = 10_000;

/** How long a stopped or killed server may take to exit. */
const EXIT_TIMEOUT_MS = 5_000;

/** Lines of server output kept for error messages. */
const OUTPUT_LINES_KEPT = 40;

/** Finds `redis-server` from env `REDIS_SERVER_BIN` or on the PATH, synchronously. */
function findRedisServer(): string | undefined {
  const configured = process.env.REDIS_SERVER_BIN;
  if (configured) {
    return existsSync(configured) ? configured : undefined;
  }
  const directories = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return directories.map((dir) => join(dir, 'redis-server')).find((path) => existsSync(path));
}

/** Path of the `redis-server` binary, or undefined when none is installed. */
export const REDIS_SERVER_BIN = findRedisServer();

/** URL of an external Redis from env `REDIS_URL`, used instead of starting a server. */
export const EXTERNAL_REDIS_URL = process.env.REDIS_URL || undefined;

const IN_CI = Boolean(process.env.CI);

const MISSING_SERVER_MESSAGE =
  'redis-server was not found (looked at REDIS_SERVER_BIN and every PATH directory) and ' +
  'REDIS_URL is not set. Install it with `apt-get install -y redis-server`, or set REDIS_URL ' +
  'to a Redis 7 URL on 127.0.0.1.';

/**
 * `describe` for suites that need any Redis: skipped with a warning when none is available,
 * except in CI (env `CI` set), where the suite runs and `startRedis()` fails it.
 */
export const describeRedis = chooseDescribe(
  REDIS_SERVER_BIN !== undefined || EXTERNAL_REDIS_URL !== undefined,
);

/**
 * `describe` for suites that stop, kill or restart the server, so they need a local
 * `redis-server` even when `REDIS_URL` is set.
 */
export const describeOwnRedis = chooseDescribe(REDIS_SERVER_BIN !== undefined);

let warnedAboutSkip = false;

function chooseDescribe(available: boolean): typeof describe | typeof describe.skip {
  if (available || IN_CI) {
    return describe;
  }
  if (!warnedAboutSkip) {
    warnedAboutSkip = true;
    console.warn(`SKIPPING Redis test suites: ${MISSING_SERVER_MESSAGE}`);
  }
  return describe.skip;
}

/** Options of `startRedis()`. */
export interface RedisServerOptions {
  /**
   * Persist every write to an append-only file (`--appendfsync always`) in a temporary
   * directory, so `restart()` after `kill()` keeps the data. @default false
   */
  appendOnly?: boolean;
  /** Start a local server even when `REDIS_URL` is set. @default false */
  ownServer?: boolean;
}

/**
 * Starts a `redis-server` on a free port of 127.0.0.1, or wraps `REDIS_URL` when it is set,
 * and resolves once the server replies to PING.
 * @throws Error when no server is available, or when the started one does not reply in 10 s
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  if (EXTERNAL_REDIS_URL !== undefined && !options.ownServer) {
    const server = new RedisServer(EXTERNAL_REDIS_URL, undefined, []);
    await server.waitUntilReady();
    return server;
  }
  if (REDIS_SERVER_BIN === undefined) {
    throw new Error(MISSING_SERVER_MESSAGE);
  }

  reapOrphanedServers();
  const port = await findFreePort();
  const dataDir = mkdtempSync(join(tmpdir(), DATA_DIR_PREFIX));
  const args = [
    '--port', String(port),
    '--bind', LOOPBACK,
    '--save', '',
    '--dir', dataDir,
    '--daemonize', 'no',
    ...(options.appendOnly
      ? ['--appendonly', 'yes', '--appendfsync', 'always']
      : ['--appendonly', 'no']),
  ]; // prettier-ignore
  const server = new RedisServer(`redis://${LOOPBACK}:${port}`, REDIS_SERVER_BIN, args, dataDir);
  await server.restart();
  return server;
}

/** A Redis server for one test file: its URL, admin commands, and control of its process. */
export class RedisServer {
  private process: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly output: string[] = [];
  private readonly clients = new Set<Redis>();

  constructor(
    /** The URL to connect to, such as `redis://127.0.0.1:6390`. */
    readonly url: string,
    private readonly binary: string | undefined,
    private readonly args: readonly string[],
    private readonly dataDir?: string,
  ) {}

  /** True when this harness started the server, so stop, kill and restart work. */
  get controllable(): boolean {
    return this.binary !== undefined;
  }

  /** True while the started server process runs. */
  get running(): boolean {
    return this.process !== undefined;
  }

  /** Starts the server again on the same port and data directory, and waits for PING. */
  async restart(): Promise<void> {
    const binary = this.requireBinary('restart');
    if (this.process !== undefined) {
      throw new Error(`Redis at ${this.url} is still running; stop() or kill() it first`);
    }

    const child = spawn(binary, this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => this.keepOutput(chunk);
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    this.process = child;
    if (this.dataDir !== undefined && child.pid !== undefined) {
      recordOwner(this.dataDir, child.pid);
    }
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.keepOutput(Buffer.from(`[exited with code ${code} signal ${signal}]\n`));
        this.process = undefined;
        resolve();
      });
    });

    await this.waitUntilReady();
  }

  /** Stops the server with SIGTERM and waits for it to exit. */
  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  /** Kills the server with SIGKILL, as a crash would, and waits for it to exit. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  /**
   * Opens an admin connection, closed by `close()`. It reconnects after a restart, and its
   * commands fail at once while the server is down.
   */
  async connect(name = 'karma-bus-test:admin'): Promise<Redis> {
    const client = new Redis(this.url, {
      lazyConnect: true,
      connectionName: name,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: () => 50,
    });
    // Errors while the server is down are expected; commands still reject.
    client.on('error', () => undefined);
    this.clients.add(client);
    await client.connect();
    return client;
  }

  /** Lists the connections of the server, each as CLIENT LIST's `field=value` pairs. */
  async clientList(): Promise<Record<string, string>[]> {
    const admin = await this.adminClient();
    const list = (await admin.call('CLIENT', 'LIST')) as string;
    return list
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => Object.fromEntries(line.trim().split(' ').map(splitPair)));
  }

  /** Kills every server connection whose name is `name`; returns how many were killed. */
  async killClientsNamed(name: string): Promise<number> {
    const admin = await this.adminClient();
    const targets = (await this.clientList()).filter((client) => client.name === name);
    for (const target of targets) {
      await admin.call('CLIENT', 'KILL', 'ID', target.id);
    }
    return targets.length;
  }

  /** Disconnects the admin connections and stops the server if this harness started it. */
  async close(): Promise<void> {
    this.clients.forEach((client) => client.disconnect());
    this.clients.clear();
    if (this.process !== undefined) {
      await this.kill();
    }
    if (this.dataDir !== undefined) {
      rmSync(this.dataDir, { recursive: true, force: true });
    }
  }

  /** Waits until the server replies to PING on a fresh socket. */
  async waitUntilReady(): Promise<void> {
    const { hostname, port } = new URL(this.url);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastReply = 'no reply';
    while (Date.now() < deadline) {
      if (this.binary !== undefined && this.process === undefined) {
        throw new Error(`redis-server exited before it was ready:\n${this.output.join('')}`);
      }
      lastReply = await pingOnce(hostname, Number(port || 6379));
      if (lastReply.startsWith('+PONG')) {
        return;
      }
      await sleep(20);
    }
    throw new Error(
      `Redis at ${this.url} did not reply to PING within ${READY_TIMEOUT_MS} ms ` +
        `(last reply: ${lastReply.trim()}):\n${this.output.join('')}`,
    );
  }

  private adminClient(): Promise<Redis> {
    const [existing] = this.clients;
    return existing === undefined ? this.connect() : Promise.resolve(existing);
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    this.requireBinary(signal === 'SIGKILL' ? 'kill' : 'stop');
    const child = this.process;
    if (child === undefined) {
      return;
    }

    child.kill(signal);
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      sleep(EXIT_TIMEOUT_MS, true, { ref: false }),
    ]);
    if (timedOut) {
      throw new Error(`redis-server at ${this.url} did not exit within ${EXIT_TIMEOUT_MS} ms`);
    }
  }

  private requireBinary(operation: string): string {
    if (this.binary === undefined) {
      throw new Error(`Cannot ${operation} the external Redis at ${this.url}; unset REDIS_URL`);
    }
    return this.binary;
  }

  private keepOutput(chunk: Buffer): void {
    this.output.push(chunk.toString('utf8'));
    this.output.splice(0, Math.max(0, this.output.length - OUTPUT_LINES_KEPT));
  }
}

function splitPair(pair: string): [string, string] {
  const equals = pair.indexOf('=');
  return [pair.slice(0, equals), pair.slice(equals + 1)];
}
