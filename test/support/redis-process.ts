import { readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The only address a test server binds and a test connects to. */
export const LOOPBACK = '127.0.0.1';

/** Name prefix of the temporary data directories of started servers. */
export const DATA_DIR_PREFIX = 'karma-bus-redis-';

/** File in a data directory naming the test process and the server process. */
const OWNER_FILE = 'owner.json';

interface Owner {
  ownerPid: number;
  serverPid: number;
}

/** Returns a TCP port on 127.0.0.1 that nothing listened on a moment ago. */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error(`Expected a TCP address, got ${String(address)}`);
  }
  return address.port;
}

/** Sends one inline PING and resolves with the first reply, or a description of the failure. */
export function pingOnce(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const finish = (reply: string) => {
      socket.destroy();
      resolve(reply);
    };
    socket.setTimeout(1_000, () => finish('timeout'));
    socket.once('error', (error) => finish(error.message));
    socket.once('data', (data) => finish(data.toString('utf8')));
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

/** Records in the data directory which test process started which server. */
export function recordOwner(dataDir: string, serverPid: number): void {
  const owner: Owner = { ownerPid: process.pid, serverPid };
  writeFileSync(join(dataDir, OWNER_FILE), JSON.stringify(owner));
}

/**
 * Kills servers whose test process died without stopping them (a Jest worker that crashed or
 * called `process.exit`), and removes their data directories.
 *
 * A server is killed only when its working directory is still its recorded data directory, so a
 * reused process id never hits an unrelated process. NOTE: that check reads `/proc`, so on
 * systems without it orphaned servers are left running.
 */
export function reapOrphanedServers(): void {
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith(DATA_DIR_PREFIX)) {
      continue;
    }
    const dataDir = join(tmpdir(), entry);
    const owner = readOwner(dataDir);
    if (owner === undefined || isAlive(owner.ownerPid)) {
      continue;
    }

    if (isAlive(owner.serverPid) && workingDirectory(owner.serverPid) === dataDir) {
      process.kill(owner.serverPid, 'SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function readOwner(dataDir: string): Owner | undefined {
  try {
    return JSON.parse(readFileSync(join(dataDir, OWNER_FILE), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function workingDirectory(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}
