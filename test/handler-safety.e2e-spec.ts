import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import {
  BusShuttingDownException,
  EventBusService,
  OnChannel,
  type ChannelInfo,
  type ChannelPattern,
  type DeadLetterPage,
  type Envelope,
  type EventBusModuleOptions,
} from '../src/event-bus/index.js';
import { HeldListener, HeldListenerModule } from './support/held-listener.js';
import { ISO_TIMESTAMP, UUID_V4 } from './support/http.js';
import { lifecyclePayload } from './support/karma-payloads.js';
import { startKarmaService, type KarmaService } from './support/karma-service.js';
import { samplesNamed } from './support/prometheus-text.js';
import { startBusApp, type RunningApp } from './support/redis-apps.js';
import { SseClient } from './support/sse-client.js';
import { waitFor } from './support/wait-for.js';
import { WsTestClient } from './support/ws-client.js';

interface TestChannels {
  'test.jobs': { n: number };
  'test.audit': { n: number };
}

const TEST_CHANNELS = [{ name: 'test.jobs' }, { name: 'test.audit' }];

const LISTENER_COUNTERS = [
  'event_bus_messages_delivered_total',
  'event_bus_messages_failed_total',
  'event_bus_messages_retried_total',
  'event_bus_messages_dead_lettered_total',
];

/** Returns a promise that never settles, like a handler stuck on a lost connection. */
function never(): Promise<never> {
  return new Promise(() => undefined);
}

/** Creates a handler that records the message ids it receives and runs `behaviour` per call. */
function recordingHandler(behaviour: (call: number) => unknown = () => undefined) {
  const calls: string[] = [];
  const handler = (envelope: Envelope) => {
    calls.push(envelope.message_id);
    return behaviour(calls.length);
  };
  return { calls, handler };
}

/** `@OnChannel` listener whose handler never settles, bounded by a 20 ms timeout. */
@Injectable()
class StuckListener {
  calls = 0;

  @OnChannel('test.jobs' as ChannelPattern, { timeoutMs: 20 })
  wait(): Promise<never> {
    this.calls++;
    return never();
  }
}

@Module({ providers: [StuckListener] })
class StuckListenerModule {}

describe('Handler safety (e2e)', () => {
  let running: RunningApp | undefined;
  let service: KarmaService | undefined;

  afterEach(async () => {
    await running?.app.close();
    running = undefined;
    await service?.app.close();
    service = undefined;
  });

  async function startTestBus(
    fixtures: unknown[] = [],
    options: EventBusModuleOptions = {},
  ): Promise<EventBusService<TestChannels>> {
    running = await startBusApp(
      { transport: { type: 'memory' }, channels: TEST_CHANNELS, ...options },
      fixtures as never[],
    );
    return running.bus as unknown as EventBusService<TestChannels>;
  }

  async function listenerSamples(bus: EventBusService<TestChannels>) {
    return samplesNamed(await bus.metrics(), LISTENER_COUNTERS);
  }

  async function channelCounters(): Promise<Record<string, Partial<ChannelInfo>>> {
    const response = await (running as RunningApp).http().get('/events/channels');
    expect(response.status).toBe(200);
    const items = (response.body as { items: ChannelInfo[] }).items;
    return Object.fromEntries(
      items
        .filter((item) => item.name.startsWith('test.'))
        .map(({ name, published, failed }) => [name, { published, failed }]),
    );
  }

  function errorLines(): string[] {
    return (running as RunningApp).logger.atLevel('error').map((entry) => String(entry.message));
  }

  describe('timeoutMs', () => {
    it('stuck handler fails after timeout', async () => {
      const bus = await startTestBus();
      const stuck = recordingHandler(() => never());
      const recorder = recordingHandler();
      bus.subscribe('test.jobs', stuck.handler, { name: 'stuck', timeoutMs: 20 });
      bus.subscribe('test.jobs', recorder.handler, { name: 'recorder' });

      const first = await bus.publish('test.jobs', { n: 1 });
      const second = await bus.publish('test.jobs', { n: 2 });
      const receivedBeforeTimeout = [...recorder.calls];
      await bus.idle();

      expect(receivedBeforeTimeout).toEqual([first.message_id, second.message_id]);
      expect(stuck.calls).toEqual([first.message_id, second.message_id]);
      expect(await listenerSamples(bus)).toEqual({
        'event_bus_messages_delivered_total{channel="test.jobs",listener="stuck"}': 2,
        'event_bus_messages_delivered_total{channel="test.jobs",listener="recorder"}': 2,
        'event_bus_messages_failed_total{channel="test.jobs",listener="stuck"}': 2,
      });
      expect(await channelCounters()).toEqual({
        'test.jobs': { published: 2, failed: 2 },
        'test.audit': { published: 0, failed: 0 },
      });
      expect(errorLines()).toEqual([
        `Listener stuck failed on test.jobs message ${first.message_id}: Handler did not settle within 20 ms`,
        `Listener stuck failed on test.jobs message ${second.message_id}: Handler did not settle within 20 ms`,
      ]);
    });

    it('OnChannel timeout applies too', async () => {
      const bus = await startTestBus([StuckListenerModule]);
      const listener = (running as RunningApp).app.get(StuckListener);

      const message = await bus.publish('test.jobs', { n: 1 });
      await bus.idle();

      expect(listener.calls).toBe(1);
      expect(await listenerSamples(bus)).toEqual({
        'event_bus_messages_delivered_total{channel="test.jobs",listener="StuckListener.wait"}': 1,
        'event_bus_messages_failed_total{channel="test.jobs",listener="StuckListener.wait"}': 1,
      });
      expect(errorLines()).toEqual([
        `Listener StuckListener.wait failed on test.jobs message ${message.message_id}: Handler did not settle within 20 ms`,
      ]);
    });

    it('fast handler beats its timeout', async () => {
      const bus = await startTestBus();
      const quick = recordingHandler(() => Promise.resolve());
      bus.subscribe('test.jobs', quick.handler, { name: 'quick', timeoutMs: 1_000 });

      await bus.publish('test.jobs', { n: 1 });
      await bus.idle();

      expect(quick.calls).toHaveLength(1);
      expect(await listenerSamples(bus)).toEqual({
        'event_bus_messages_delivered_total{channel="test.jobs",listener="quick"}': 1,
      });
      expect(errorLines()).toEqual([]);
    });
  });

  describe('retry', () => {
    it('third try succeeds', async () => {
      const bus = await startTestBus();
      const flaky = recordingHandler((call) => {
        if (call === 1) {
          throw new Error('flaky call 1');
        }
        return call === 2 ? Promise.reject(new Error('flaky call 2')) : Promise.resolve();
      });
      const steady = recordingHandler();
      bus.subscribe('test.jobs', flaky.handler, {
        name: 'flaky',
        retry: { attempts: 3, baseMs: 5, maxMs: 10 },
        deadLetter: true,
      });
      bus.subscribe('test.jobs', steady.handler, { name: 'steady' });

      const message = await bus.publish('test.jobs', { n: 1 });
      await bus.idle();

      expect(flaky.calls).toEqual([message.message_id, message.message_id, message.message_id]);
      expect(steady.calls).toEqual([message.message_id]);
      expect(await listenerSamples(bus)).toEqual({
        'event_bus_messages_delivered_total{channel="test.jobs",listener="flaky"}': 3,
        'event_bus_messages_delivered_total{channel="test.jobs",listener="steady"}': 1,
        'event_bus_messages_failed_total{channel="test.jobs",listener="flaky"}': 2,
        'event_bus_messages_retried_total{channel="test.jobs",listener="flaky"}': 2,
      });
      expect(await channelCounters()).toEqual({
        'test.jobs': { published: 1, failed: 2 },
        'test.audit': { published: 0, failed: 0 },
      });
      expect(errorLines()).toEqual([
        `Listener flaky failed on test.jobs message ${message.message_id}: flaky call 1`,
        `Listener flaky failed on test.jobs message ${message.message_id}: flaky call 2`,
      ]);
      expect((await bus.deadLetters()).items).toEqual([]);
    });

    it('idle waits for retries', async () => {
      const bus = await startTestBus();
      const failing = recordingHandler(() => Promise.reject(new Error('still down')));
      bus.subscribe('test.jobs', failing.handler, {
        name: 'failing',
        retry: { attempts: 3, baseMs: 20, maxMs: 40 },
      });

      await bus.publish('test.jobs', { n: 1 });
      const callsAfterPublish = failing.calls.length;
      const started = performance.now();
      await bus.idle();
      const waitedMs = performance.now() - started;

      expect(callsAfterPublish).toBe(1);
      expect(failing.calls).toHaveLength(3);
      // The two delays are at least half of 20 ms and half of 40 ms.
      expect(waitedMs).toBeGreaterThanOrEqual(29);
      expect(await listenerSamples(bus)).toEqual({
        'event_bus_messages_delivered_total{channel="test.jobs",listener="failing"}': 3,
        'event_bus_messages_failed_total{channel="test.jobs",listener="failing"}': 3,
        'event_bus_messages_retried_total{channel="test.jobs",listener="failing"}': 2,
      });
    });

    it('no retry without policy', async () => {
      const bus = await startTestBus();
      const failing = recordingHandler(() => {
        throw new Error('once only');
      });
      bus.subscribe('test.jobs', failing.handler, { name: 'failing' });

      await bus.publish('test.jobs', { n: 1 });
      await bus.idle();

      expect(failing.calls).toHaveLength(1);
      expect((await bus.deadLetters()).items).toEqual([]);
    });
  });

  describe('dead letters', () => {
    async function startWithWriter(healthy: { value: boolean }) {
      const bus = await startTestBus();
      const writer = recordingHandler(() =>
        healthy.value ? Promise.resolve() : Promise.reject(new Error('database unavailable')),
      );
      bus.subscribe('test.jobs', writer.handler, {
        name: 'writer',
        retry: { attempts: 2, baseMs: 5, maxMs: 10 },
        deadLetter: true,
      });
      return { bus, writer };
    }

    it('listed with error and attempts', async () => {
      const { bus, writer } = await startWithWriter({ value: false });

      const message = await bus.publish('test.jobs', { n: 7 });
      await bus.idle();
      const response = await (running as RunningApp).http().get('/events/dead-letters');

      expect(writer.calls).toEqual([message.message_id, message.message_id]);
      expect(response.status).toBe(200);
      const page = response.body as DeadLetterPage;
      expect(page).toEqual({
        items: [
          {
            dead_letter_id: '1',
            envelope: JSON.parse(JSON.stringify(message)),
            error: 'database unavailable',
            listener: 'writer',
            group: null,
            attempts: 2,
            failed_at: expect.stringMatching(ISO_TIMESTAMP),
          },
        ],
        next_cursor: null,
      });
      expect(await listenerSamples(bus)).toEqual({
        'event_bus_messages_delivered_total{channel="test.jobs",listener="writer"}': 2,
        'event_bus_messages_failed_total{channel="test.jobs",listener="writer"}': 2,
        'event_bus_messages_retried_total{channel="test.jobs",listener="writer"}': 1,
        'event_bus_messages_dead_lettered_total{channel="test.jobs",listener="writer"}': 1,
      });
    });

    it('timed-out handler is dead-lettered', async () => {
      const bus = await startTestBus();
      bus.subscribe('test.jobs', () => never(), {
        name: 'hung',
        timeoutMs: 10,
        deadLetter: true,
      });

      const message = await bus.publish('test.jobs', { n: 1 });
      await bus.idle();

      const page = await bus.deadLetters();
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).toMatchObject({
        envelope: { message_id: message.message_id },
        error: 'Handler did not settle within 10 ms',
        listener: 'hung',
        attempts: 1,
      });
    });

    it('republish delivers and deletes', async () => {
      const healthy = { value: false };
      const { bus, writer } = await startWithWriter(healthy);
      const original = await bus.publish('test.jobs', { n: 7 });
      await bus.idle();
      healthy.value = true;

      const response = await (running as RunningApp)
        .http()
        .post('/events/dead-letters/1/republish');
      await bus.idle();

      expect(response.status).toBe(201);
      const republished = response.body as Envelope;
      expect(republished).toMatchObject({
        channel: 'test.jobs',
        payload: { n: 7 },
        metadata: { causation_id: original.message_id },
      });
      expect(republished.message_id).toMatch(UUID_V4);
      expect(republished.message_id).not.toBe(original.message_id);
      expect(writer.calls).toEqual([
        original.message_id,
        original.message_id,
        republished.message_id,
      ]);
      expect(await bus.deadLetters()).toEqual({ items: [], next_cursor: null });

      const again = await (running as RunningApp).http().post('/events/dead-letters/1/republish');
      expect(again.status).toBe(404);
      expect(again.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'Dead letter "1" was not found; list current ones with GET /events/dead-letters.',
      });
    });

    it('republish rejects malformed id', async () => {
      await startTestBus();

      const response = await (running as RunningApp)
        .http()
        .post('/events/dead-letters/not-an-id/republish');

      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: ['id must be a dead_letter_id, such as 1700000000000-0; got "not-an-id"'],
        field: 'id',
      });
    });
  });

  describe('metrics', () => {
    it('counters exact per listener', async () => {
      const bus = await startTestBus();
      bus.subscribe('test.*', () => undefined, { name: 'auditor' });
      bus.subscribe('test.jobs', () => Promise.resolve(), { name: 'worker' });
      bus.subscribe(
        'test.audit',
        () => {
          throw new Error('broken');
        },
        { name: 'broken' },
      );

      for (let n = 1; n <= 3; n++) {
        await bus.publish('test.jobs', { n });
      }
      for (let n = 1; n <= 2; n++) {
        await bus.publish('test.audit', { n });
      }
      await bus.idle();
      const text = await bus.metrics();

      expect(samplesNamed(text, ['event_bus_messages_published_total'])).toEqual({
        'event_bus_messages_published_total{channel="test.jobs"}': 3,
        'event_bus_messages_published_total{channel="test.audit"}': 2,
      });
      expect(await listenerSamples(bus)).toEqual({
        'event_bus_messages_delivered_total{channel="test.jobs",listener="auditor"}': 3,
        'event_bus_messages_delivered_total{channel="test.audit",listener="auditor"}': 2,
        'event_bus_messages_delivered_total{channel="test.jobs",listener="worker"}': 3,
        'event_bus_messages_delivered_total{channel="test.audit",listener="broken"}': 2,
        'event_bus_messages_failed_total{channel="test.audit",listener="broken"}': 2,
      });
      expect(samplesNamed(text, ['event_bus_handler_duration_seconds_count'])).toEqual({
        'event_bus_handler_duration_seconds_count{channel="test.jobs",listener="auditor"}': 3,
        'event_bus_handler_duration_seconds_count{channel="test.audit",listener="auditor"}': 2,
        'event_bus_handler_duration_seconds_count{channel="test.jobs",listener="worker"}': 3,
        'event_bus_handler_duration_seconds_count{channel="test.audit",listener="broken"}': 2,
      });
      expect(samplesNamed(text, ['event_bus_history_messages'])).toMatchObject({
        'event_bus_history_messages{channel="test.jobs"}': 3,
        'event_bus_history_messages{channel="test.audit"}': 2,
      });
      expect(await channelCounters()).toEqual({
        'test.jobs': { published: 3, failed: 0 },
        'test.audit': { published: 2, failed: 2 },
      });
    });
  });

  describe('shutdown', () => {
    it('waits for running handler', async () => {
      service = await startKarmaService(
        { EVENT_BUS_SHUTDOWN_TIMEOUT_MS: '5000' },
        {
          fixtures: [HeldListenerModule],
        },
      );
      const app = service;
      const listener = app.app.get(HeldListener);
      await app.bus.publishLifecycle(lifecyclePayload('user-1'));
      expect(listener.calls).toBe(1);

      let closed = false;
      const closing = app.app.close().then(() => (closed = true));
      await waitFor(async () => !(await app.bus.status()).accepting, 2_000, 'shutdown to begin');
      const lateHttp = await app.http().post('/karma/lifecycle').send(lifecyclePayload('user-2'));
      const lateDirect = app.bus.publishLifecycle(lifecyclePayload('user-3'));
      await expect(lateDirect).rejects.toThrow(BusShuttingDownException);
      const closedWhileHandlerRan = closed;
      listener.release();
      await closing;
      service = undefined;

      expect(lateHttp.status).toBe(503);
      expect(lateHttp.body).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message:
          'The event bus is shutting down, so the message on "karma.lifecycle" was not published. ' +
          'Publish it again on another instance.',
      });
      expect(closedWhileHandlerRan).toBe(false);
      expect(closed).toBe(true);
      expect(listener.calls).toBe(1);
    });

    it('gives up after shutdown timeout', async () => {
      const bus = await startTestBus([], { shutdownTimeoutMs: 100 });
      bus.subscribe('test.jobs', () => never(), { name: 'hung' });
      await bus.publish('test.jobs', { n: 1 });
      const app = running as RunningApp;

      const started = performance.now();
      await app.app.close();
      const tookMs = performance.now() - started;
      running = undefined;

      expect(tookMs).toBeGreaterThanOrEqual(99);
      expect(tookMs).toBeLessThan(2_000);
      const busWarnings = app.logger
        .atLevel('warn')
        .filter((entry) => entry.params.at(-1) === 'EventBus');
      expect(busWarnings.map((entry) => entry.message)).toEqual([
        'Handlers still running after 100 ms; shutting down anyway',
      ]);
    });

    it('ends streams with shutdown event', async () => {
      service = await startKarmaService();
      const app = service;
      const sse = await SseClient.connect(`${app.baseUrl}/events/stream`);
      const ws = await WsTestClient.connect(`${app.wsUrl}/events/ws`);
      await waitFor(
        async () => (await app.bus.metrics()).includes('event_bus_stream_clients 2'),
        2_000,
        'two stream clients',
      );

      await app.app.close();
      service = undefined;
      await sse.waitForClose();
      await ws.waitForClose();

      const shutdown = sse.events().filter((block) => block.event === 'shutdown');
      expect(shutdown.map((block) => JSON.parse(block.data ?? '{}') as unknown)).toEqual([
        { reason: 'the service is shutting down; reconnect with Last-Event-ID' },
      ]);
      expect(sse.ended).toBe(true);
      expect(ws.named('shutdown')).toEqual([
        {
          event: 'shutdown',
          data: { reason: 'the service is shutting down; reconnect and resume with last_event_id' },
        },
      ]);
      expect(ws.closeEvent).toEqual({ code: 1001, reason: 'shutting down' });
    });
  });
});
