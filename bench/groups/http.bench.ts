import autocannon from 'autocannon';
import { get } from 'node:http';
import type { HistoryServerReady } from '../servers/history.server.js';
import { startChildServer, stopChildServer } from '../support/child-server.js';
import { progress, runGroup, type BenchMode } from '../support/group.js';
import { compareRow, type ResultRow } from '../support/result-row.js';
import { ExtraFigures, runInterleaved, type RoundPlan } from '../support/rounds.js';
import { quantile } from '../support/stats.js';

const GROUP = 'http';

/** Concurrent connections of the load generator, as in the project's earlier HTTP measurements. */
const CONNECTIONS = 10;

interface HttpSettings {
  plan: RoundPlan;
  /** Seconds of load per member and round; absent in smoke mode, which counts requests instead. */
  durationSeconds?: number;
  /** Requests per member and round in smoke mode. */
  amount?: number;
}

const SETTINGS: Record<BenchMode, HttpSettings> = {
  full: { plan: { warmupRounds: 1, rounds: 9 }, durationSeconds: 2 },
  smoke: { plan: { warmupRounds: 1, rounds: 2 }, amount: 200 },
};

/** Fetches a URL on loopback and returns its status and body. */
function fetchBody(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { timeout: 5_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

/** One load run: requests per second of 2xx responses and the p99 latency in ms. */
interface LoadFigures {
  requestsPerSecond: number;
  p99Ms: number;
}

/**
 * Loads a URL with autocannon and returns its figures. Latencies are collected from each
 * response (autocannon's own histogram keeps whole milliseconds only).
 * @throws Error when any request failed or was not a 2xx
 */
async function load(url: string, settings: HttpSettings): Promise<LoadFigures> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        ...(settings.amount === undefined
          ? { duration: settings.durationSeconds }
          : { amount: settings.amount }),
      },
      (error: Error | null, finished: autocannon.Result) =>
        error ? reject(error) : resolve(finished),
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
      latencies.push(ms);
    });
  });

  if (result.errors > 0 || result.non2xx > 0 || result.timeouts > 0) {
    throw new Error(
      `Load on ${url} failed: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`,
    );
  }
  return {
    requestsPerSecond: result['2xx'] / result.duration,
    p99Ms: quantile(latencies, 0.99),
  };
}

async function measure(mode: BenchMode): Promise<ResultRow[]> {
  const settings = SETTINGS[mode];
  const server = await startChildServer<HistoryServerReady>(
    new URL('../servers/history.server.js', import.meta.url),
    [],
  );
  try {
    const { productUrl, referenceUrl } = server.ready;
    const product = await fetchBody(productUrl);
    const reference = await fetchBody(referenceUrl);
    if (product.status !== 200 || product.body !== reference.body) {
      throw new Error(
        `The product and the reference must return the same body: status ${product.status}, ` +
          `${product.body.length} versus ${reference.body.length} characters`,
      );
    }
    progress(GROUP, `both routes return the same ${product.body.length}-byte page`);

    const p99s = new ExtraFigures(settings.plan.warmupRounds);
    const member = (name: string, url: string) => ({
      name,
      run: async () => {
        const figures = await load(url, settings);
        p99s.add(name, figures.p99Ms);
        return figures.requestsPerSecond;
      },
    });
    const results = await runInterleaved(
      [member('product', productUrl), member('reference', referenceUrl)],
      settings.plan,
      (line) => progress(GROUP, line),
    );

    const load10 = `autocannon, ${CONNECTIONS} connections, ${settings.durationSeconds ? `${settings.durationSeconds} s` : `${settings.amount} requests`} per run, loopback`;
    return [
      compareRow({
        id: 'H1 req/s',
        title: 'GET /events/history?limit=50, requests/s',
        unit: 'req/s',
        product: { label: 'bus route', samples: results.get('product')! },
        reference: { label: 'bare Nest controller', samples: results.get('reference')! },
        goal: { comparison: 'at least', ratio: 1.0 },
        note: `${load10}; ${product.body.length}-byte body`,
      }),
      compareRow({
        id: 'H1 p99',
        title: 'GET /events/history?limit=50, p99 latency',
        unit: 'ms',
        product: { label: 'bus route', samples: p99s.measured('product') },
        reference: { label: 'bare Nest controller', samples: p99s.measured('reference') },
        goal: { comparison: 'at most', ratio: 1.25 },
        note: 'p99 of every response of a run',
      }),
    ];
  } finally {
    await stopChildServer(server.child);
  }
}

runGroup(GROUP, measure);
