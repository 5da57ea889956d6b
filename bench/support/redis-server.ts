import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { LOOPBACK } from './loopback.js';

/** Maximum time for a started server to reply to PING. */
const READY_TIMEOUT_MS = 10_000;

/** Returns the path of `redis-server` on the PATH, or undefined when it is not installed. */
export function findRedisServer(): string | undefined {
  const directories = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return directories.map((dir) => join(dir, 'redis-server')).find((path) => existsSync(path));
}

/** Returns a TCP port on 127.0.0.1 that nothing listened on a moment ago. */
async function findFreePort(): Promise<number> {
  const server = createServer();
  server.listen(0, LOOPBACK);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') {
    throw new Error(`Expected a TCP address, got ${String(address)}`);
  }
  return address.port;
}

/** A redis-server process that the bench started, with no persistence. */
export class BenchRedisServer {
  private constructor(
    /** Such as `redis://127.0.0.1:6390`. */
    readonly url: string,
    private readonly process: ChildProcess,
  ) {}

  /**
   * Starts `redis-server` on a free port of 127.0.0.1, without RDB snapshots or an append-only
   * file, and resolves once it replies to PING.
   * @throws Error when the server exits or does not reply within 10 s
   */
  static async start(binary: string): Promise<BenchRedisServer> {
    const port = await findFreePort();
    const args = ['--port', String(port), '--bind', LOOPBACK, '--save', '', '--appendonly', 'no'];
    const child = spawn(binary, args, { stdio: 'ignore' });
    const server = new BenchRedisServer(`redis://${LOOPBACK}:${port}`, child);
    try {
      await server.waitUntilReady();
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    return server;
  }

  /** Stops the server with SIGTERM and waits for it to exit; SIGKILL after 5 s. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) {
      return;
    }
    const exited = once(this.process, 'exit');
    this.process.kill('SIGTERM');
    const stopped = await Promise.race([
      exited.then(() => true),
      sleep(5_000, false, { ref: false }),
    ]);
    if (!stopped) {
      this.process.kill('SIGKILL');
      await exited;
    }
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.process.exitCode !== null) {
        throw new Error(`redis-server exited with code ${this.process.exitCode} at start`);
      }
      const client = new Redis(this.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        if ((await client.ping()) === 'PONG') {
          return;
        }
      } catch {
        // Not listening yet.
      } finally {
        client.disconnect();
      }
      await sleep(50);
    }
    throw new Error(
      `redis-server at ${this.url} did not reply to PING within ${READY_TIMEOUT_MS} ms`,
    );
  }
}
