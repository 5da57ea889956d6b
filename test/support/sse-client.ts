import {
  request as httpRequest,
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import type { Envelope } from '../../src/event-bus/index.js';

/** How long `SseClient.connect()` waits for the response headers by default. */
const CONNECT_TIMEOUT_MS = 2_000;

/** Characters of received text quoted in a timeout message. */
const QUOTED_TEXT_CHARS = 600;

/** One Server-Sent Events block: the lines up to the blank line that ends it. */
export interface SseBlock {
  /** The block's text without the blank line that ends it. */
  raw: string;
  id?: string;
  event?: string;
  /** The `data:` lines joined with `\n`. */
  data?: string;
  retry?: number;
  /** Comment lines without the leading `:` and one space. */
  comments: string[];
  /** `performance.now()` when the block was complete. */
  receivedAt: number;
}

/** Options of `SseClient.connect()`. */
export interface SseConnectOptions {
  headers?: Record<string, string>;
  /** Deadline for the response headers. @default 2000 */
  timeoutMs?: number;
}

/**
 * A streaming HTTP client for `text/event-stream` responses, built on `node:http` so it reads
 * each chunk as it arrives (supertest waits for the response to end, which a stream never does).
 */
export class SseClient {
  readonly blocks: SseBlock[] = [];
  /** All text received so far. */
  text = '';
  /** True once the response ended normally. */
  ended = false;
  /** True once the connection is closed, by either side. */
  closed = false;
  /** `performance.now()` when the request was sent. */
  readonly sentAt = performance.now();
  /** `performance.now()` when the first body chunk arrived. */
  firstChunkAt: number | undefined;

  private response: IncomingMessage | undefined;
  private pending = '';
  private readonly envelopes: Envelope[] = [];
  private readonly watchers = new Set<() => void>();
  private readonly closedPromise: Promise<void>;

  private constructor(private readonly request: ClientRequest) {
    this.closedPromise = new Promise((resolve) => {
      request.once('close', () => {
        this.closed = true;
        this.notify();
        resolve();
      });
    });
    // A cut-off or aborted stream surfaces as a socket error, which `closed` records.
    request.on('error', () => undefined);
  }

  /**
   * Sends `GET url` and resolves once the response headers arrive, whatever the status.
   * @throws Error when the connection fails or no headers arrive before the deadline
   */
  static connect(url: string, options: SseConnectOptions = {}): Promise<SseClient> {
    const timeoutMs = options.timeoutMs ?? CONNECT_TIMEOUT_MS;
    const request = httpRequest(url, {
      method: 'GET',
      agent: false,
      headers: { Accept: 'text/event-stream', ...options.headers },
    });
    const client = new SseClient(request);

    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        request.destroy();
        reject(new Error(`No response headers from ${url} within ${timeoutMs} ms`));
      }, timeoutMs);
      request.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      request.once('response', (response) => {
        clearTimeout(timer);
        client.attach(response);
        resolve(client);
      });
      request.end();
    });
  }

  /** HTTP status of the response. */
  get status(): number {
    return this.requireResponse().statusCode ?? 0;
  }

  /** Response headers, with lowercase names. */
  get headers(): IncomingHttpHeaders {
    return this.requireResponse().headers;
  }

  /** Blocks that carry an event or data, leaving out comment-only blocks. */
  events(): SseBlock[] {
    return this.blocks.filter((block) => block.event !== undefined || block.data !== undefined);
  }

  /** Returns every comment line received, in order. */
  comments(): string[] {
    return this.blocks.flatMap((block) => block.comments);
  }

  /** Envelopes of the message events, in order: blocks with an `id:` line. */
  messages(): Envelope[] {
    return [...this.envelopes];
  }

  /** Message ids of the message events, in order. */
  messageIds(): string[] {
    return this.messages().map((message) => message.message_id);
  }

  /**
   * Resolves once `predicate` holds, checking at once and after each chunk and on close.
   * @throws Error naming `description` and quoting the received text when the deadline passes
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
        const received = this.text.slice(-QUOTED_TEXT_CHARS);
        reject(
          new Error(
            `Timed out after ${timeoutMs} ms waiting for ${description}; received:\n${received}`,
          ),
        );
      }, timeoutMs);
      this.watchers.add(watcher);
    });
  }

  /** Resolves with the first event block named `name` once it has arrived. */
  async waitForEvent(name: string, timeoutMs = 2_000): Promise<SseBlock> {
    const find = () => this.blocks.find((block) => block.event === name);
    await this.waitUntil(() => find() !== undefined, timeoutMs, `event "${name}"`);
    return find() as SseBlock;
  }

  /** Resolves once `count` message events have arrived in all. */
  async waitForMessages(count: number, timeoutMs = 2_000): Promise<Envelope[]> {
    await this.waitUntil(
      () => this.envelopes.length >= count,
      timeoutMs,
      `${count} message events`,
    );
    return this.messages();
  }

  /** Resolves with the whole body once the response ends, for non-stream responses. */
  async body(timeoutMs = 2_000): Promise<string> {
    await this.waitUntil(() => this.ended || this.closed, timeoutMs, 'the end of the response');
    return this.text;
  }

  /** Stops reading, so unread data piles up in the server's buffers. */
  pause(): void {
    this.requireResponse().pause();
  }

  /** Starts reading again after `pause()`. */
  resume(): void {
    this.requireResponse().resume();
  }

  /** Resolves once the connection is closed, by the server or by `close()`. */
  waitForClose(timeoutMs = 2_000): Promise<void> {
    return this.waitUntil(() => this.closed, timeoutMs, 'the connection to close');
  }

  /** Drops the connection, as a browser tab that goes away, and waits until it is closed. */
  close(): Promise<void> {
    this.request.destroy();
    return this.closedPromise;
  }

  private attach(response: IncomingMessage): void {
    this.response = response;
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.receive(chunk));
    response.on('end', () => {
      this.ended = true;
      this.notify();
    });
    response.on('error', () => undefined);
  }

  private receive(chunk: string): void {
    this.firstChunkAt ??= performance.now();
    this.text += chunk;
    this.pending += chunk;

    let end = this.pending.indexOf('\n\n');
    while (end !== -1) {
      const block = parseBlock(this.pending.slice(0, end));
      this.blocks.push(block);
      if (block.id !== undefined) {
        this.envelopes.push(JSON.parse(block.data ?? 'null') as Envelope);
      }
      this.pending = this.pending.slice(end + 2);
      end = this.pending.indexOf('\n\n');
    }
    this.notify();
  }

  private notify(): void {
    [...this.watchers].forEach((watcher) => watcher());
  }

  private requireResponse(): IncomingMessage {
    if (this.response === undefined) {
      throw new Error('No response yet');
    }
    return this.response;
  }
}

/** Parses one block's lines as the EventSource algorithm does, for `\n` line ends. */
function parseBlock(raw: string): SseBlock {
  const block: SseBlock = { raw, comments: [], receivedAt: performance.now() };
  const data: string[] = [];
  for (const line of raw.split('\n')) {
    if (line.startsWith(':')) {
      block.comments.push(line.slice(1).replace(/^ /, ''));
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') {
      data.push(value);
    } else if (field === 'id' || field === 'event') {
      block[field] = value;
    } else if (field === 'retry') {
      block.retry = Number(value);
    }
  }
  if (data.length > 0) {
    block.data = data.join('\n');
  }
  return block;
}

/**
 * Sends `GET url` and destroys the connection as soon as the request is written, before any
 * response can arrive: a client that leaves while the stream is being set up.
 */
export function requestAndAbort(url: string): Promise<void> {
  const request = httpRequest(url, { method: 'GET', agent: false });
  request.on('error', () => undefined);
  return new Promise((resolve) => {
    request.once('close', () => resolve());
    request.once('finish', () => request.destroy());
    request.end();
  });
}
