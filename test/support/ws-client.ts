import { WebSocket } from 'ws';

/** One message of the gateway protocol, `{ event, data }`. */
export interface WsFrame<T = Record<string, unknown>> {
  event: string;
  data: T;
}

/** How long `WsTestClient.connect()` waits for the socket to open by default. */
const CONNECT_TIMEOUT_MS = 2_000;

/** A WebSocket client that records every frame and waits for frames with deadlines. */
export class WsTestClient {
  readonly frames: WsFrame[] = [];
  /** Close code and reason once the socket is closed. */
  closeEvent: { code: number; reason: string } | undefined;

  private readonly watchers = new Set<() => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (raw: Buffer) => {
      this.frames.push(JSON.parse(raw.toString('utf8')) as WsFrame);
      this.notify();
    });
    socket.on('close', (code, reason) => {
      this.closeEvent = { code, reason: reason.toString('utf8') };
      this.notify();
    });
    socket.on('error', () => undefined);
  }

  /**
   * Opens a WebSocket to `url` and resolves once it is open.
   * @throws Error when the socket fails or does not open before the deadline
   */
  static connect(url: string, timeoutMs = CONNECT_TIMEOUT_MS): Promise<WsTestClient> {
    const socket = new WebSocket(url);
    const client = new WsTestClient(socket);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error(`WebSocket ${url} did not open within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('open', () => {
        clearTimeout(timer);
        resolve(client);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** Sends `{ event, data }` as JSON. */
  send(event: string, data: unknown): void {
    this.socket.send(JSON.stringify({ event, data }));
  }

  /** Frames named `event`, in arrival order. */
  named<T = Record<string, unknown>>(event: string): WsFrame<T>[] {
    return this.frames.filter((frame) => frame.event === event) as WsFrame<T>[];
  }

  /**
   * Resolves once `predicate` holds, checking at once and after each frame and on close.
   * @throws Error naming `description` and listing the frames received when the deadline passes
   */
  waitUntil(predicate: () => boolean, timeoutMs: number, description: string): Promise<void> {
    if (predicate()) {
      return Promise.resolve();
    }

    return new Promise((resolve, reject) => {
      const watcher = () => {
        if (predicate()) {
          clearTimeout(timer);
          this.watchers.delete(watcher);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        this.watchers.delete(watcher);
        const received = JSON.stringify(this.frames).slice(-800);
        reject(
          new Error(
            `Timed out after ${timeoutMs} ms waiting for ${description}; frames: ${received}`,
          ),
        );
      }, timeoutMs);
      this.watchers.add(watcher);
    });
  }

  /** Resolves with the `count`-th frame named `event` (1-based) once it has arrived. */
  async nth<T = Record<string, unknown>>(
    event: string,
    count: number,
    timeoutMs = 2_000,
  ): Promise<WsFrame<T>> {
    await this.waitUntil(
      () => this.named(event).length >= count,
      timeoutMs,
      `${count} "${event}" frames`,
    );
    return this.named<T>(event)[count - 1];
  }

  /** Resolves once the socket is closed, by the server or by `close()`. */
  waitForClose(timeoutMs = 2_000): Promise<void> {
    return this.waitUntil(() => this.closeEvent !== undefined, timeoutMs, 'the socket to close');
  }

  private notify(): void {
    [...this.watchers].forEach((watcher) => watcher());
  }

  /** Closes the socket and waits until it is closed, terminating it if the handshake stalls. */
  async close(): Promise<void> {
    if (this.closeEvent !== undefined) {
      return;
    }
    this.socket.close(1000, 'test done');
    try {
      await this.waitForClose(1_000);
    } catch {
      this.socket.terminate();
      await this.waitForClose(1_000);
    }
  }
}
