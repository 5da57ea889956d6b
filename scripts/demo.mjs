// Sends the sample in scripts/demo-actions.json to a running karma service, then prints the
// messages published since the demo started and the analytics totals.
//
// Usage: npm run demo
// The service is reached at KARMA_BUS_URL (default http://127.0.0.1:3000) and nowhere else.
// KARMA_BUS_API_KEY, when set, is sent as X-API-Key; it needs the read and publish scopes.
// Needs Node 20 or later for the built-in fetch; it has no other dependencies.

import { readFile } from 'node:fs/promises';

const DEFAULT_BASE_URL = 'http://127.0.0.1:3000';
const REQUEST_TIMEOUT_MS = 10_000;
const HISTORY_PAGE_LIMIT = 100;
const SAMPLE_URL = new URL('./demo-actions.json', import.meta.url);

const ROUTES = {
  influence: 'karma/influence',
  lifecycle: 'karma/lifecycle',
};

/** A failure the demo reports in one message and exits on. */
class DemoError extends Error {}

/** A non-2xx response from the service. */
class HttpError extends DemoError {
  constructor(method, url, status, body) {
    const detail = body?.message ?? body;
    const listed = Array.isArray(detail) ? detail.join('; ') : detail;
    const text = typeof listed === 'string' ? listed.replace(/\.$/, '') : JSON.stringify(listed);
    const hint =
      status === 404
        ? ' Check that KARMA_BUS_URL is the base URL of the service.'
        : status === 401 || status === 403
          ? ' Set KARMA_BUS_API_KEY to a key with the read and publish scopes.'
          : '';
    super(`${method} ${url} failed with HTTP ${status}: ${text}.${hint}`);
  }
}

async function main() {
  const baseUrl = parseBaseUrl(process.env.KARMA_BUS_URL);
  const sample = await loadSample();
  const client = createClient(baseUrl, process.env.KARMA_BUS_API_KEY ?? '');

  console.log(`Karma service: ${baseUrl.href}`);
  const newestBefore = await newestMessageId(client);

  console.log(`\nSending ${sample.steps.length} requests from scripts/demo-actions.json:`);
  for (const step of sample.steps) {
    const result = await client.request('POST', ROUTES[step.kind], step.body);
    console.log(`  ${describeResult(step.kind, result)}`);
  }

  // NOTE: with the Redis transport, analytics summaries are published after the POST returns,
  // so the table can miss the last of them.
  const messages = await readHistorySince(client, newestBefore);
  console.log(
    `\nMessages published since the demo started (GET /events/history?order=asc), ${messages.length}:`,
  );
  printTable(messages);

  const { totals } = await client.request('GET', 'karma/analytics');
  console.log('\nAnalytics totals since the service started (GET /karma/analytics):');
  printTotals(totals);
}

/** Parses KARMA_BUS_URL, keeping its path as the prefix of every route. */
function parseBaseUrl(value) {
  const text = value === undefined || value === '' ? DEFAULT_BASE_URL : value;
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new DemoError(
      `Invalid KARMA_BUS_URL=${JSON.stringify(text)}; expected an http:// or https:// URL such as ${DEFAULT_BASE_URL}.`,
    );
  }
  if (!url.pathname.endsWith('/')) {
    url.pathname += '/';
  }
  url.search = '';
  url.hash = '';
  return url;
}

async function loadSample() {
  const sample = JSON.parse(await readFile(SAMPLE_URL, 'utf8'));
  if (!Array.isArray(sample.steps)) {
    throw new DemoError(`Invalid ${SAMPLE_URL.pathname}: "steps" must be an array.`);
  }
  for (const [index, step] of sample.steps.entries()) {
    if (!(step.kind in ROUTES)) {
      throw new DemoError(
        `Invalid ${SAMPLE_URL.pathname}: steps[${index}].kind=${JSON.stringify(step.kind)}; allowed: ${Object.keys(ROUTES).join(', ')}.`,
      );
    }
  }
  return sample;
}

/**
 * Creates a JSON client whose requests never leave `baseUrl`: routes are relative, redirects fail.
 * A non-empty `apiKey` goes in the X-API-Key header of every request.
 */
function createClient(baseUrl, apiKey) {
  const keyHeader = apiKey === '' ? {} : { 'x-api-key': apiKey };
  return {
    async request(method, route, body) {
      const url = new URL(route, baseUrl);
      let response;
      try {
        response = await fetch(url, {
          method,
          headers:
            body === undefined ? keyHeader : { ...keyHeader, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          redirect: 'error',
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        throw new DemoError(unreachableMessage(baseUrl, error));
      }

      const text = await response.text();
      const parsed = text === '' ? null : parseJson(text);
      if (!response.ok) {
        throw new HttpError(method, url.pathname + url.search, response.status, parsed);
      }
      return parsed;
    },
  };
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function unreachableMessage(baseUrl, error) {
  const cause = error.cause ?? error;
  const reason =
    error.name === 'TimeoutError'
      ? `no response within ${REQUEST_TIMEOUT_MS} ms`
      : (cause.message ?? String(cause));
  return (
    `Cannot reach the karma service at ${baseUrl.href} (${reason}).\n` +
    'Start it in another terminal with `npm start` and wait for "Listening on", ' +
    'or set KARMA_BUS_URL to the address it listens on.'
  );
}

/** Returns the id of the newest message in history, or null when history is empty. */
async function newestMessageId(client) {
  const page = await client.request('GET', 'events/history?limit=1');
  return page.items[0]?.message_id ?? null;
}

/** Reads every message newer than `afterId`, oldest first, one page at a time. */
async function readHistorySince(client, afterId) {
  const messages = [];
  let cursor = afterId;
  do {
    const query = new URLSearchParams({ order: 'asc', limit: String(HISTORY_PAGE_LIMIT) });
    if (cursor !== null) {
      query.set('after', cursor);
    }
    const page = await client.request('GET', `events/history?${query}`);
    messages.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return messages;
}

function describeResult(kind, result) {
  if (kind === 'influence') {
    return (
      `influence  ${result.user_id.padEnd(10)} score ${result.score} (${result.band}, ${result.signal}) ` +
      `from ${result.action_count} actions -> message ${result.message_id}`
    );
  }
  const { payload } = result;
  return `lifecycle  ${payload.user_id.padEnd(10)} ${describeLifecycle(payload)} -> message ${result.message_id}`;
}

function describeLifecycle(payload) {
  const parts = [payload.event];
  if (payload.event === 'role_change') {
    parts.push(`${payload.previous_role ?? '?'} -> ${payload.role}`);
  }
  if (payload.reason !== undefined) {
    parts.push(`(${payload.reason})`);
  }
  return parts.join(' ');
}

/** One-line summary of a message's payload for the history table. */
function summarize(message) {
  const payload = message.payload;
  switch (message.channel) {
    case 'karma.feedback':
      return `${payload.user_id} score=${payload.score} band=${payload.band} signal=${payload.signal}`;
    case 'karma.lifecycle':
      return `${payload.user_id} ${describeLifecycle(payload)}`;
    case 'karma.analytics':
      return (
        `feedback=${payload.feedback_count} lifecycle=${payload.lifecycle_count} ` +
        `users=${payload.users_seen} average_score=${payload.average_score}`
      );
    default:
      return JSON.stringify(payload).slice(0, 60);
  }
}

function printTable(messages) {
  const header = ['time', 'channel', 'message_id', 'payload'];
  const rows = messages.map((message) => [
    message.timestamp,
    message.channel,
    message.message_id,
    summarize(message),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  );
  const format = (row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('  ');

  console.log(format(header));
  console.log(format(widths.map((width) => '-'.repeat(width))));
  rows.forEach((row) => console.log(format(row)));
}

function printTotals(totals) {
  if (totals === null) {
    console.log('  none yet');
    return;
  }
  const counts = (record) =>
    Object.entries(record)
      .map(([key, count]) => `${key}=${count}`)
      .join(' ');
  console.log(`  feedback messages   ${totals.feedback_count}`);
  console.log(`  lifecycle messages  ${totals.lifecycle_count}`);
  console.log(`  users seen          ${totals.users_seen}`);
  console.log(`  average score       ${totals.average_score}`);
  console.log(`  by band             ${counts(totals.by_band)}`);
  console.log(`  by lifecycle event  ${counts(totals.by_lifecycle_event)}`);
}

try {
  await main();
} catch (error) {
  if (!(error instanceof DemoError)) {
    throw error;
  }
  console.error(`demo: ${error.message}`);
  process.exitCode = 1;
}
