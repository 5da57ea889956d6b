import { request, type ClientRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  MemoryReport,
  PublishedReport,
  PublishRequest,
  StreamServerReady,
} from '../servers/stream.server.js';
import { sendToChild, startChildServer, stopChildServer } from '../support/child-server.js';
import { progress, runGroup, type BenchMode } from '../support/group.js';
import { judge, type Goal, type ResultRow } from '../support/result-row.js';
import { quantileOfSorted, summarize } from '../support/stats.js';

const GROUP = 'sse';
const MIB = 1024 * 1024;

interface SseSettings {
  clients: number;
  /** Messages published, one per millisecond. */
  messages: number;
}

const SETTINGS: Record<BenchMode, SseSettings> = {
  full: { clients: 200, messages: 5_000 },
  smoke: { clients: 20, messages: 500 },
};

/** Clients that connect at once, far below Node's default listen backlog of 511. */
const CONNECT_BATCH = 20;

/** The server stops publishing after this many times the planned duration. */
const PUBLISH_DEADLINE_FACTOR = 3;

/** How long connecting, and receiving after the last publish, may take. */
const CONNECT_TIMEOUT_MS = 10_000;
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Maximum wait for a server report. It is long because the server can be busy with late writes
 * for seconds.
 */
const REPORT_TIMEOUT_MS = 30_000;

/**
 * Memory counts as bounded when the peak heap stays within the heap at start plus what the bus
 * lets every client leave unread (`stream.maxBufferedBytes` each).
 */
const MEMORY_GOAL: Goal = { comparison: 'at most', ratio: 1 };
const DELIVERY_GOAL: Goal = { comparison: 'at least', ratio: 1 };

/**
 * One SSE client on `node:http`: records when each message arrived, by its payload `seq`, and
 * counts messages that came out of order.
 */
class StreamClient {
  received = 0;
  outOfOrder = 0;
  closed = false;
  private pending = '';
  private request: ClientRequest | undefined;

  constructor(
    private readonly arrivedAtNs: Float64Array,
    private readonly offset: number,
  ) {}

  /** Connects and resolves once the stream's opening comment arrived. */
  connect(url: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request(url, { agent: false, headers: { Accept: 'text/event-stream' } });
      this.request = req;
      req.setTimeout(CONNECT_TIMEOUT_MS, () => req.destroy(new Error(`No stream from ${url}`)));
      req.on('error', reject);
      req.on('close', () => (this.closed = true));
      req.on('response', (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`GET ${url} returned ${response.statusCode}`));
          return;
        }
        req.setTimeout(0);
        response.setEncoding('utf8');
        response.once('data', () => resolve());
        response.on('data', (chunk: string) => this.receive(chunk));
      });
      req.end();
    });
  }

  close(): void {
    this.request?.destroy();
  }

  private receive(chunk: string): void {
    const arrivedNs = Number(process.hrtime.bigint());
    this.pending += chunk;
    let end = this.pending.indexOf('\n\n');
    while (end !== -1) {
      const block = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 2);
      end = this.pending.indexOf('\n\n');

      const seqAt = block.indexOf('"seq":');
      if (!block.startsWith('id: ') || seqAt === -1) {
        continue;
      }
      const seq = Number.parseInt(block.slice(seqAt + 6), 10);
      if (seq !== this.received) {
        this.outOfOrder++;
      }
      this.arrivedAtNs[this.offset + seq] = arrivedNs;
      this.received++;
    }
  }
}

async function connectAll(url: string, clients: StreamClient[]): Promise<void> {
  for (let start = 0; start < clients.length; start += CONNECT_BATCH) {
    await Promise.all(clients.slice(start, start + CONNECT_BATCH).map((c) => c.connect(url)));
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      return false;
    }
    await sleep(20);
  }
  return true;
}

/** Latencies in ms of every (client, message) pair that arrived, sorted ascending. */
function sortedLatenciesMs(
  arrivedAtNs: Float64Array,
  sentAtNs: readonly number[],
  messagesPerClient: number,
): Float64Array {
  const latencies = new Float64Array(arrivedAtNs.length);
  let count = 0;
  for (let i = 0; i < arrivedAtNs.length; i++) {
    const sentNs = sentAtNs[i % messagesPerClient];
    if (arrivedAtNs[i] > 0 && sentNs !== undefined) {
      latencies[count++] = (arrivedAtNs[i] - sentNs) / 1e6;
    }
  }
  return latencies.subarray(0, count).sort();
}

async function measure(mode: BenchMode): Promise<ResultRow[]> {
  const settings = SETTINGS[mode];
  const reports: { published?: PublishedReport; memory?: MemoryReport } = {};
  const server = await startChildServer<StreamServerReady>(
    new URL('../servers/stream.server.js', import.meta.url),
    [],
    (message) => {
      const report = message as PublishedReport | MemoryReport;
      if (report.type === 'published') {
        reports.published = report;
      } else {
        reports.memory = report;
      }
    },
  );

  const arrivedAtNs = new Float64Array(settings.clients * settings.messages);
  const clients = Array.from(
    { length: settings.clients },
    (_, i) => new StreamClient(arrivedAtNs, i * settings.messages),
  );
  try {
    await connectAll(server.ready.streamUrl, clients);
    progress(
      GROUP,
      `${clients.length} clients connected; publishing ${settings.messages} messages at 1/ms`,
    );

    const loopBefore = performance.eventLoopUtilization();
    const request: PublishRequest = {
      type: 'publish',
      messages: settings.messages,
      deadlineMs: settings.messages * PUBLISH_DEADLINE_FACTOR,
    };
    sendToChild(server.child, request);
    const reportDeadlineMs = request.deadlineMs + REPORT_TIMEOUT_MS;
    if (!(await waitFor(() => reports.published !== undefined, reportDeadlineMs))) {
      throw new Error(`The server sent no publish report within ${reportDeadlineMs} ms`);
    }
    const published = reports.published!.published;
    const allReceived = () => clients.every((c) => c.received === published || c.closed);
    await waitFor(allReceived, DRAIN_TIMEOUT_MS);
    const clientLoad = performance.eventLoopUtilization(loopBefore).utilization;

    sendToChild(server.child, { type: 'memory' });
    if (!(await waitFor(() => reports.memory !== undefined, REPORT_TIMEOUT_MS))) {
      throw new Error(`The server sent no memory report within ${REPORT_TIMEOUT_MS} ms`);
    }
    return sseRows(settings, clients, arrivedAtNs, reports, clientLoad);
  } finally {
    clients.forEach((client) => client.close());
    await stopChildServer(server.child);
  }
}

function sseRows(
  settings: SseSettings,
  clients: StreamClient[],
  arrivedAtNs: Float64Array,
  reports: { published?: PublishedReport; memory?: MemoryReport },
  clientLoad: number,
): ResultRow[] {
  const published = reports.published!;
  const memory = reports.memory!;
  if (published.subscribers !== settings.clients) {
    throw new Error(
      `Expected ${settings.clients} stream subscribers, the bus had ${published.subscribers}`,
    );
  }
  const expected = settings.clients * settings.messages;
  const shortfall =
    published.published < settings.messages
      ? `; the server published only ${published.published} of ${settings.messages} messages before its deadline of ${settings.messages * PUBLISH_DEADLINE_FACTOR} ms`
      : '';
  const received = clients.reduce((sum, client) => sum + client.received, 0);
  const complete = clients.filter((client) => client.received === settings.messages).length;
  const outOfOrder = clients.reduce((sum, client) => sum + client.outOfOrder, 0);
  const closed = clients.filter((client) => client.closed).length;
  const latencies = sortedLatenciesMs(arrivedAtNs, published.sentAtNs, settings.messages);
  const p50 = quantileOfSorted(latencies, 0.5);
  const p99 = quantileOfSorted(latencies, 0.99);
  const max = latencies[latencies.length - 1] ?? Number.NaN;

  const deliveredFraction = received / expected;
  const peakMiB = published.peakHeapBytes / MIB;
  const bufferMiB = published.maxBufferedBytes / MIB;
  const boundMiB = published.heapBeforeBytes / MIB + settings.clients * bufferMiB;
  const bound = `heap at start + ${settings.clients} x stream.maxBufferedBytes (${bufferMiB} MiB)`;
  const setup = `${settings.clients} clients on node:http, ${settings.messages} messages at 1/ms`;
  return [
    {
      id: 'S1 delivered',
      title: 'SSE: share of messages delivered',
      unit: 'fraction',
      product: {
        label: '(client, message) pairs delivered',
        summary: summarize([deliveredFraction]),
      },
      ratio: summarize([deliveredFraction]),
      goal: DELIVERY_GOAL,
      verdict: outOfOrder === 0 ? judge(deliveredFraction, DELIVERY_GOAL) : 'MISS',
      note:
        `${setup}; ${complete} of ${settings.clients} clients got every message, ` +
        `${outOfOrder} out of order, ${closed} disconnected${shortfall}`,
    },
    {
      id: 'S1 latency',
      title: 'SSE: publish to client latency, p99',
      unit: 'ms',
      product: { label: 'p99 of publish-to-arrival latency', summary: summarize([p99]) },
      verdict: 'INFO',
      note:
        `p50 ${p50.toFixed(2)} ms, max ${max.toFixed(1)} ms over ${latencies.length} deliveries; ` +
        `the server published for ${published.publishSpanMs.toFixed(0)} ms with its event loop ` +
        `${(published.eventLoopUtilization * 100).toFixed(0)}% busy; the clients' process ` +
        `(same 2 cores) was ${(clientLoad * 100).toFixed(0)}% busy until the last arrival`,
    },
    {
      id: 'S1 memory',
      title: 'SSE: peak server heap vs its bound',
      unit: 'MiB',
      product: { label: 'peak heap while publishing', summary: summarize([peakMiB]) },
      reference: { label: bound, summary: summarize([boundMiB]) },
      ratio: summarize([peakMiB / boundMiB]),
      goal: MEMORY_GOAL,
      verdict: judge(peakMiB / boundMiB, MEMORY_GOAL),
      note:
        `heapUsed sampled every 100 ms; peak RSS ${(published.peakRssBytes / MIB).toFixed(1)} MiB; ` +
        `after two gc() calls at the end the heap was ${(memory.heapAfterBytes / MIB).toFixed(1)} MiB ` +
        `(${(memory.heapAfterBytes / published.heapBeforeBytes).toFixed(2)}x the start)`,
    },
  ];
}

runGroup(GROUP, measure);
