import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { LOOPBACK } from './redis-process.js';

/**
 * A TCP relay on 127.0.0.1 in front of a server on 127.0.0.1, for simulating a network fault:
 * `stall()` drops every relayed connection, then accepts new ones without relaying anything,
 * like a server that accepts connections but never replies.
 */
export interface TcpRelay {
  /** Port the relay listens on. */
  readonly port: number;
  /** Connections accepted since `stall()` and still open. */
  readonly stalledCount: number;
  stall(): void;
  close(): Promise<void>;
}

/** Starts a relay to `targetPort` on 127.0.0.1, listening on a free port of 127.0.0.1. */
export async function startTcpRelay(targetPort: number): Promise<TcpRelay> {
  const relayed = new Set<Socket>();
  const stalled = new Set<Socket>();
  let stalling = false;

  const track = (set: Set<Socket>, socket: Socket) => {
    set.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => set.delete(socket));
  };

  const server: Server = createServer((client) => {
    if (stalling) {
      track(stalled, client);
      return;
    }
    const upstream = createConnection({ host: LOOPBACK, port: targetPort });
    track(relayed, client);
    track(relayed, upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('The TCP relay has no port');
  }

  return {
    port: address.port,
    get stalledCount() {
      return stalled.size;
    },
    stall() {
      stalling = true;
      relayed.forEach((socket) => socket.destroy());
    },
    async close() {
      relayed.forEach((socket) => socket.destroy());
      stalled.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
