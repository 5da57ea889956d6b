import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { Server, ServerResponse } from 'node:http';
import type { Envelope, EventBusModuleOptions, HistoryPage } from '../src/event-bus/index.js';
import { analyticsPayload, feedbackPayload, lifecyclePayload } from './support/karma-payloads.js';
import { requestAndAbort, SseClient, type SseBlock } from './support/sse-client.js';
import {
  getJson,
  plusSubscribers,
  startStreamApp,
  subscriberCounts,
  waitForSubscriberCounts,
  type StreamApp,
} from './support/stream-app.js';
import { waitFor } from './support/wait-for.js';
import { WarningWatch } from './support/warning-watch.js';

/** The opening block every stream starts with. */
const OPENING_BLOCK = ': connected\nretry: 3000';

/** How long subscriber counts may take to return to their baseline after a disconnect. */
const CLEANUP_DEADLINE_MS = 500;

/** A payload of about 16 KB, so a few messages fill a small send buffer. */
const BULK_TEXT = 'x'.repeat(16_384);

/** `publish` for a channel the test registers, which the typed channel map does not know. */
interface BulkPublisher {
  publish(channel: string, payload: unknown): Promise<Envelope>;
}

/** A heartbeat interval no other timer of the app uses, so its timers can be told apart. */
const HEARTBEAT_MS = 12_345;

/**
 * Returns true once a timer has been cleared.
 * NOTE: `_destroyed` is Node's own flag on `Timeout` objects, which have no public accessor for it.
 */
function isCleared(timer: NodeJS.Timeout): boolean {
  return (timer as unknown as { _destroyed: boolean })._destroyed;
}

function idsOf(messages: readonly Envelope[]): string[] {
  return messages.map((message) => message.message_id);
}

describe('GET /events/stream (e2e)', () => {
  let running: StreamApp | undefined;
  let appClosed = false;
  const clients: SseClient[] = [];

  async function start(options?: EventBusModuleOptions): Promise<StreamApp> {
    running = await startStreamApp(options);
    appClosed = false;
    return running;
  }

  async function connect(query = '', headers: Record<string, string> = {}): Promise<SseClient> {
    const client = await SseClient.connect(`${running!.baseUrl}/events/stream${query}`, {
      headers,
    });
    clients.push(client);
    return client;
  }

  /** Connects and waits for the opening comment, so the live subscription exists. */
  async function connectOpen(query = '', headers: Record<string, string> = {}) {
    const client = await connect(query, headers);
    expect(client.status).toBe(200);
    await client.waitUntil(() => client.blocks.length > 0, 1_000, 'the opening comment');
    return client;
  }

  async function publishSummaries(from: number, to: number): Promise<string[]> {
    const ids: string[] = [];
    for (let n = from; n <= to; n++) {
      ids.push((await running!.bus.publishAnalytics(analyticsPayload(n))).message_id);
    }
    return ids;
  }

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    if (running !== undefined && !appClosed) {
      await running.app.close();
    }
    running = undefined;
    jest.restoreAllMocks();
  });

  describe('when connecting', () => {
    it('sends the stream headers', async () => {
      await start();

      const client = await connectOpen();

      expect(client.status).toBe(200);
      expect(client.headers['content-type']).toMatch(/^text\/event-stream(; ?charset=utf-8)?$/);
      expect(client.headers['cache-control']).toBe('no-cache, no-transform');
      expect(client.headers['x-accel-buffering']).toBe('no');
      expect(client.headers['content-length']).toBeUndefined();
      expect(client.headers['content-encoding']).toBeUndefined();
      expect(client.headers['transfer-encoding']).toBe('chunked');
    });

    it('never gzips the stream', async () => {
      await start();

      const client = await connectOpen('', { 'Accept-Encoding': 'gzip, deflate, br' });

      expect(client.headers['content-encoding']).toBeUndefined();
      expect(client.headers['content-length']).toBeUndefined();
      expect(client.text.startsWith(': connected\n')).toBe(true);
    });

    it('opens within 200 ms', async () => {
      await start();

      const client = await connectOpen();

      expect(client.firstChunkAt! - client.sentAt).toBeLessThan(200);
      expect(client.blocks[0].raw).toBe(OPENING_BLOCK);
      expect(client.blocks[0].retry).toBe(3000);
      expect(client.blocks[0].id).toBeUndefined();
    });
  });

  describe('when a message is published', () => {
    it('frames it as one event', async () => {
      await start();
      const client = await connectOpen();

      const envelope = await running!.bus.publishAnalytics(analyticsPayload(1));
      await client.waitForMessages(1);

      const block = client.blocks[1];
      expect(block.raw).toBe(
        `id: ${envelope.message_id}\nevent: karma.analytics\ndata: ${JSON.stringify(envelope)}`,
      );
      expect(JSON.parse(block.data!)).toEqual(JSON.parse(JSON.stringify(envelope)));
      expect(client.blocks).toHaveLength(2);
    });
  });

  describe('when filtering', () => {
    it('selects one channel', async () => {
      const { bus } = await start();
      const client = await connectOpen('?channels=karma.lifecycle');

      await bus.publishFeedback(feedbackPayload('user-1'));
      const first = await bus.publishLifecycle(lifecyclePayload('user-1'));
      await bus.publishFeedback(feedbackPayload('user-2'));
      const last = await bus.publishLifecycle(lifecyclePayload('user-2'));
      await client.waitForMessages(2);

      expect(client.messageIds()).toEqual([first.message_id, last.message_id]);
      expect(client.events().map((event) => event.event)).toEqual([
        'karma.lifecycle',
        'karma.lifecycle',
      ]);
    });

    it('selects every channel with karma.*', async () => {
      const { bus } = await start();
      const client = await connectOpen('?channels=karma.*');

      await bus.publishFeedback(feedbackPayload('user-1'));
      await bus.publishLifecycle(lifecyclePayload('user-1'));
      await bus.idle();
      const history = await getJson<HistoryPage>(running!.baseUrl, '/events/history?order=asc');
      await client.waitForMessages(4);

      expect(client.messages().map((message) => message.channel)).toEqual([
        'karma.feedback',
        'karma.analytics',
        'karma.lifecycle',
        'karma.analytics',
      ]);
      expect(client.messageIds()).toEqual(idsOf(history.body.items));
    });

    it('filters by payload.user_id', async () => {
      const { bus } = await start();
      const client = await connectOpen('?payload.user_id=user-1');

      await bus.publishFeedback(feedbackPayload('user-2'));
      const lifecycle = await bus.publishLifecycle(lifecyclePayload('user-1'));
      await bus.publishLifecycle(lifecyclePayload('user-2'));
      const feedback = await bus.publishFeedback(feedbackPayload('user-1'));
      await bus.publishAnalytics(analyticsPayload(9));
      const last = await bus.publishLifecycle(lifecyclePayload('user-1'));
      await client.waitForMessages(3);

      expect(client.messageIds()).toEqual([
        lifecycle.message_id,
        feedback.message_id,
        last.message_id,
      ]);
    });

    it.each([
      ['channels=nope', 'channels'],
      ['channels=karma', 'channels'],
      ['payload.a..b=1', 'payload.a..b'],
      ['payload.user_id=user-1&payload.user_id=user-2', 'payload.user_id'],
    ])('rejects %s with 400', async (query, parameter) => {
      await start();
      const baseline = await subscriberCounts(running!.baseUrl);

      const client = await connect(`?${query}`);
      const body = JSON.parse(await client.body()) as { statusCode: number; field: string };

      expect(client.status).toBe(400);
      expect(client.headers['content-type']).toMatch(/^application\/json/);
      expect(body.statusCode).toBe(400);
      expect(body.field).toBe(parameter);
      expect(JSON.stringify(body)).toContain(parameter);
      expect(await subscriberCounts(running!.baseUrl)).toEqual(baseline);
    });
  });

  describe('heartbeat', () => {
    it('sends comments at the interval', async () => {
      await start({ stream: { heartbeatMs: 50 } });
      const client = await connectOpen();
      const heartbeats = () => client.blocks.filter((block) => block.raw === ': heartbeat');

      await client.waitUntil(() => heartbeats().length >= 3, 2_000, 'three heartbeats');

      const times = [client.blocks[0], ...heartbeats()].map((block) => block.receivedAt);
      const gaps = times.slice(1).map((time, i) => time - times[i]);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(25);
      expect(Math.max(...gaps)).toBeLessThan(1_000);
      expect(client.blocks.slice(1).every((block) => block.raw === ': heartbeat')).toBe(true);
      expect(client.blocks.some((block) => block.id !== undefined)).toBe(false);
    });

    it('keeps heartbeats out of history', async () => {
      await start({ stream: { heartbeatMs: 20 } });
      const client = await connectOpen();
      await client.waitUntil(
        () => client.comments().filter((comment) => comment === 'heartbeat').length >= 3,
        2_000,
        'three heartbeats',
      );

      const [published] = await publishSummaries(1, 1);
      await client.waitForMessages(1);
      const history = await getJson<HistoryPage>(running!.baseUrl, '/events/history');

      expect(idsOf(history.body.items)).toEqual([published]);
      expect(client.messageIds()).toEqual([published]);
    });
  });

  describe('when resuming', () => {
    it('replays exactly the missed messages', async () => {
      await start();
      const first = await connectOpen();
      const seen = await publishSummaries(1, 2);
      await first.waitForMessages(2);
      await first.close();

      const missed = await publishSummaries(3, 5);
      const second = await connectOpen('', { 'Last-Event-ID': seen[1] });
      await second.waitForMessages(3);
      const live = await publishSummaries(6, 6);
      await second.waitForMessages(4);

      expect(first.messageIds()).toEqual(seen);
      expect(second.messageIds()).toEqual([...missed, ...live]);
      expect(second.events().every((event) => event.id !== undefined)).toBe(true);
    });

    it('resumes from last_event_id', async () => {
      await start();
      const [from, ...missed] = await publishSummaries(1, 3);

      const client = await connectOpen(`?last_event_id=${from}`);
      await client.waitForMessages(2);
      const live = await publishSummaries(4, 4);
      await client.waitForMessages(3);

      expect(client.messageIds()).toEqual([...missed, ...live]);
    });

    it('replays only filtered messages', async () => {
      const { bus } = await start();
      const from = await bus.publishLifecycle(lifecyclePayload('user-1'));
      const feedback = await bus.publishFeedback(feedbackPayload('user-1'));
      const lifecycle = await bus.publishLifecycle(lifecyclePayload('user-1'));

      const client = await connectOpen('?channels=karma.feedback,karma.lifecycle', {
        'Last-Event-ID': from.message_id,
      });
      await client.waitForMessages(2);
      const live = await bus.publishFeedback(feedbackPayload('user-2'));
      await client.waitForMessages(3);

      expect(client.messageIds()).toEqual([
        feedback.message_id,
        lifecycle.message_id,
        live.message_id,
      ]);
    });

    it('sends a gap for an evicted id', async () => {
      await start({ historyCapacity: 3 });
      const [evicted] = await publishSummaries(1, 5);

      const client = await connectOpen('', { 'Last-Event-ID': evicted });
      const gap = await client.waitForEvent('gap');
      const live = await publishSummaries(6, 6);
      await client.waitForMessages(1);

      expect(gap.id).toBeUndefined();
      expect(JSON.parse(gap.data!)).toEqual({
        reason: 'unknown_last_event_id',
        last_event_id: evicted,
      });
      expect(client.events()).toHaveLength(2);
      expect(client.events()[0]).toBe(gap);
      expect(client.messageIds()).toEqual(live);
    });

    it('sends a gap for a garbage id', async () => {
      await start();
      await publishSummaries(1, 2);

      const client = await connectOpen('', { 'Last-Event-ID': 'garbage' });
      const gap = await client.waitForEvent('gap');
      const live = await publishSummaries(3, 3);
      await client.waitForMessages(1);

      expect(gap.raw).toBe(
        'event: gap\ndata: {"reason":"invalid_last_event_id","last_event_id":"garbage"}',
      );
      expect(client.events()).toHaveLength(2);
      expect(client.events()[0]).toBe(gap);
      expect(client.messageIds()).toEqual(live);
    });
  });

  describe('when clients disconnect', () => {
    it('returns 25 clients to baseline', async () => {
      await start({ stream: { heartbeatMs: HEARTBEAT_MS } });
      const baseline = await subscriberCounts(running!.baseUrl);
      const setIntervalSpy = jest.spyOn(globalThis, 'setInterval');
      const heartbeatTimers = () =>
        setIntervalSpy.mock.calls.flatMap(([, delay], i) =>
          delay === HEARTBEAT_MS ? [setIntervalSpy.mock.results[i].value as NodeJS.Timeout] : [],
        );
      const warnings = new WarningWatch();
      warnings.start();

      try {
        const filtered = await Promise.all(
          Array.from({ length: 12 }, () => connectOpen('?channels=karma.analytics')),
        );
        const unfiltered = await Promise.all(Array.from({ length: 13 }, () => connectOpen()));
        const connected = [...filtered, ...unfiltered];
        const expectedWhileOpen = plusSubscribers(baseline, {
          'karma.feedback': 13,
          'karma.lifecycle': 13,
          'karma.analytics': 25,
        });
        expect(await subscriberCounts(running!.baseUrl)).toEqual(expectedWhileOpen);
        expect(heartbeatTimers()).toHaveLength(25);
        expect(heartbeatTimers().filter(isCleared)).toEqual([]);

        const [published] = await publishSummaries(1, 1);
        await Promise.all(connected.map((client) => client.waitForMessages(1)));
        await Promise.all(clients.splice(0).map((client) => client.close()));

        await waitForSubscriberCounts(running!.baseUrl, baseline, CLEANUP_DEADLINE_MS);
        expect(connected.map((client) => client.messageIds())).toEqual(
          connected.map(() => [published]),
        );
        expect(heartbeatTimers().filter((timer) => !isCleared(timer))).toEqual([]);
        expect(warnings.named('MaxListenersExceededWarning')).toEqual([]);
      } finally {
        warnings.stop();
      }
    });

    it('cleans up an aborted request', async () => {
      const { bus } = await start();
      const baseline = await subscriberCounts(running!.baseUrl);
      const subscribeMatching = jest.spyOn(bus, 'subscribeMatching');

      await Promise.all(
        Array.from({ length: 10 }, () => requestAndAbort(`${running!.baseUrl}/events/stream`)),
      );
      await waitFor(() => subscribeMatching.mock.calls.length === 10, 2_000, '10 stream requests');

      await waitForSubscriberCounts(running!.baseUrl, baseline, CLEANUP_DEADLINE_MS);
    });
  });

  describe('when a client stops reading', () => {
    it('cuts off only the slow client', async () => {
      const { bus, logger } = await start({
        channels: [{ name: 'test.bulk' }],
        stream: { maxBufferedBytes: 65_536 },
      });
      const bulk = bus as unknown as BulkPublisher;
      const baseline = await subscriberCounts(running!.baseUrl);
      const slow = await connectOpen('?channels=test.bulk');
      const steady = await connectOpen('?channels=test.bulk');
      slow.pause();
      const cutOff = () =>
        logger.atLevel('warn').filter((entry) => String(entry.message).includes('unread'));

      const published: string[] = [];
      const publishDurations: number[] = [];
      while (cutOff().length === 0 && published.length < 2_000) {
        const startedAt = performance.now();
        const envelope = await bulk.publish('test.bulk', { n: published.length, text: BULK_TEXT });
        publishDurations.push(performance.now() - startedAt);
        published.push(envelope.message_id);
        // Lets the steady client read, as a client in another process would.
        await new Promise((resolve) => setImmediate(resolve));
      }

      expect(cutOff()).toHaveLength(1);
      expect(String(cutOff()[0].message)).toContain('more than 65536 bytes unread');
      expect(Math.max(...publishDurations)).toBeLessThan(250);
      await waitForSubscriberCounts(
        running!.baseUrl,
        plusSubscribers(baseline, { 'test.bulk': 1 }),
        CLEANUP_DEADLINE_MS,
      );
      const after = await bulk.publish('test.bulk', { n: -1, text: 'after' });
      await steady.waitForMessages(published.length + 1, 5_000);
      expect(steady.messageIds()).toEqual([...published, after.message_id]);

      slow.resume();
      await slow.waitForClose();
      expect(slow.messages().length).toBeLessThan(published.length);
    });

    it('piles up no drain listeners', async () => {
      const { bus, logger } = await start({
        channels: [{ name: 'test.bulk' }],
        stream: { maxBufferedBytes: 64 * 1_048_576 },
      });
      const bulk = bus as unknown as BulkPublisher;
      const responses: ServerResponse[] = [];
      const server = running!.app.getHttpServer() as Server;
      server.on('request', (_request, response: ServerResponse) => responses.push(response));
      const paused = await connectOpen('?channels=test.bulk');
      paused.pause();

      // 5,000 messages of 2 KB are more than the loopback socket buffers take.
      const text = 'y'.repeat(2_048);
      const published: string[] = [];
      for (let n = 1; n <= 5_000; n++) {
        published.push((await bulk.publish('test.bulk', { n, text })).message_id);
        if (n % 100 === 0) {
          await new Promise((resolve) => setImmediate(resolve));
        }
      }

      expect(responses).toHaveLength(1);
      expect(responses[0].writableLength).toBeGreaterThan(1_048_576);
      expect(responses[0].listenerCount('drain')).toBeLessThanOrEqual(1);
      expect(responses[0].socket?.listenerCount('drain') ?? 0).toBeLessThanOrEqual(1);
      paused.resume();
      await paused.waitForMessages(5_000, 10_000);
      expect(paused.messageIds()).toEqual(published);
      expect(
        logger.atLevel('warn').filter((entry) => String(entry.message).includes('unread')),
      ).toEqual([]);
    });
  });

  describe('when the app shuts down', () => {
    it('sends a shutdown event', async () => {
      const { app } = await start();
      const client = await connectOpen();

      const closing = app.close();
      appClosed = true;
      let shutdown: SseBlock | undefined;
      try {
        shutdown = await client.waitForEvent('shutdown', 2_000);
        await client.waitUntil(() => client.ended, 2_000, 'the end of the stream');
      } finally {
        await client.close();
        await closing;
      }

      expect(shutdown?.id).toBeUndefined();
      expect(JSON.parse(shutdown?.data ?? 'null')).toEqual({ reason: expect.any(String) });
    });
  });
});
