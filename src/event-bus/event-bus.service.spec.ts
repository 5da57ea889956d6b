import { jest } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { EventBusChannels } from './channels/channel-map.interface.js';
import type {
  KarmaAnalyticsPayload,
  KarmaFeedbackPayload,
  KarmaLifecyclePayload,
} from './channels/karma.channels.js';
import type { Envelope } from './envelope/envelope.interface.js';
import { EventBusModule } from './event-bus.module.js';
import { EventBusService } from './event-bus.service.js';
import { InvalidChannelDefinitionException } from './exceptions/invalid-channel-definition.exception.js';
import { InvalidHistoryQueryException } from './exceptions/invalid-history-query.exception.js';
import { InvalidPayloadException } from './exceptions/invalid-payload.exception.js';
import { UnknownChannelException } from './exceptions/unknown-channel.exception.js';
import type { ChannelDefinition } from './interfaces/channel-definition.interface.js';
import type { EventBusModuleOptions } from './interfaces/event-bus-options.interface.js';
import type { HistoryQuery } from './interfaces/history-query.interface.js';
import type { MessageHandler, Subscription } from './interfaces/subscription.interface.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface TestChannels extends EventBusChannels {
  'orders.created': { order_id: string; lines?: { sku: string; qty: number }[] };
  'test.events': Record<string, unknown>;
  'game.ping': { n: number };
  'game.pong': { n: number };
}

const ORDER_SCHEMA = {
  type: 'object',
  required: ['order_id'],
  additionalProperties: false,
  properties: {
    order_id: { type: 'string', minLength: 1 },
    lines: {
      type: 'array',
      items: {
        type: 'object',
        required: ['sku', 'qty'],
        properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } },
      },
    },
  },
};

const TEST_CHANNELS: ChannelDefinition[] = [
  { name: 'orders.created', schema: ORDER_SCHEMA, description: 'Orders placed by customers' },
  { name: 'test.events' },
  { name: 'game.ping' },
  { name: 'game.pong' },
];

const FEEDBACK: KarmaFeedbackPayload = {
  user_id: 'user-42',
  score: 71.52,
  influence: 0.4304,
  signal: 'positive',
  band: 'high',
  action_count: 3,
  as_of: '2026-12-01T12:00:00.000Z',
};

const LIFECYCLE: KarmaLifecyclePayload = {
  user_id: 'user-42',
  event: 'birth',
  occurred_at: '2026-12-01T12:00:00.000Z',
};

const ANALYTICS: KarmaAnalyticsPayload = {
  feedback_count: 1,
  lifecycle_count: 0,
  users_seen: 1,
  average_score: 71.52,
  by_band: { very_low: 0, low: 0, neutral: 0, high: 1, very_high: 0 },
  by_lifecycle_event: {
    birth: 0,
    death: 0,
    rebirth: 0,
    role_change: 0,
    suspension: 0,
    reinstatement: 0,
  },
  trigger_message_id: '3f1c2a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f',
};

interface LogEntry {
  level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  message: string;
  params: unknown[];
}

/** A Nest logger that keeps every entry, so tests can count and read log lines. */
class RecordingLogger implements LoggerService {
  readonly entries: LogEntry[] = [];

  log(message: unknown, ...params: unknown[]): void {
    this.record('log', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.record('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.record('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.record('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.record('verbose', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.record('fatal', message, params);
  }

  /** Error entries written by a logger with this context, the last parameter Nest appends. */
  errors(context = 'EventBus'): LogEntry[] {
    return this.entries.filter(
      (entry) => entry.level === 'error' && entry.params[entry.params.length - 1] === context,
    );
  }

  private record(level: LogEntry['level'], message: unknown, params: unknown[]): void {
    this.entries.push({ level, message: String(message), params });
  }
}

/** Returns what a call throws, or undefined when it returns. */
function errorFrom(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}

function idsOf(items: readonly Envelope[]): string[] {
  return items.map((item) => item.message_id);
}

describe('EventBusService', () => {
  let moduleRef: TestingModule | undefined;
  let logger: RecordingLogger;
  let bus: EventBusService<TestChannels>;

  async function createBus(options: EventBusModuleOptions = {}): Promise<TestingModule> {
    logger = new RecordingLogger();
    return Test.createTestingModule({
      imports: [EventBusModule.forRoot({ http: false, ...options })],
    })
      .setLogger(logger)
      .compile();
  }

  async function startBus(
    options: EventBusModuleOptions = { channels: TEST_CHANNELS },
  ): Promise<EventBusService<TestChannels>> {
    moduleRef = await createBus(options);
    await moduleRef.init();
    bus = moduleRef.get<EventBusService<TestChannels>>(EventBusService);
    return bus;
  }

  /** Reads the id of every message in history, oldest first. */
  async function storedIds(): Promise<string[]> {
    return idsOf((await bus.history({ order: 'asc', limit: 1000 })).items);
  }

  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    jest.restoreAllMocks();
  });

  describe('publish()', () => {
    beforeEach(() => startBus());

    it('returns the envelope shape', async () => {
      jest.spyOn(Date, 'now').mockReturnValue(Date.UTC(2026, 0, 31, 12, 0, 0, 7));

      const envelope = await bus.publish('karma.feedback', FEEDBACK);

      expect(Object.keys(envelope)).toEqual(['message_id', 'channel', 'payload', 'timestamp']);
      expect(envelope.message_id).toMatch(UUID_V4);
      expect(envelope.channel).toBe('karma.feedback');
      expect(envelope.payload).toEqual(FEEDBACK);
      expect(envelope.payload).not.toBe(FEEDBACK);
      expect(envelope.timestamp).toBe('2026-01-31T12:00:00.007Z');
      expect('metadata' in envelope).toBe(false);
    });

    it('stamps the current UTC time', async () => {
      const before = Date.now();

      const envelope = await bus.publish('karma.lifecycle', LIFECYCLE);
      const after = Date.now();

      expect(envelope.timestamp).toMatch(ISO_UTC_MS);
      expect(Date.parse(envelope.timestamp)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(envelope.timestamp)).toBeLessThanOrEqual(after);
    });

    it('draws a new UUID per message', async () => {
      const ids = new Set<string>();

      for (let index = 0; index < 200; index++) {
        const envelope = await bus.publish('test.events', { index });
        expect(envelope.message_id).toMatch(UUID_V4);
        ids.add(envelope.message_id);
      }

      expect(ids.size).toBe(200);
    });

    it('keeps metadata when given', async () => {
      const metadata = {
        source: 'karma-feedback',
        correlation_id: 'flow-1',
        causation_id: '3f1c2a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f',
        trace: { hops: ['a', 'b'] },
      };

      const envelope = await bus.publish('karma.feedback', FEEDBACK, metadata);

      expect(Object.keys(envelope)).toEqual([
        'message_id',
        'channel',
        'payload',
        'timestamp',
        'metadata',
      ]);
      expect(envelope.metadata).toEqual(metadata);
      expect(envelope.metadata).not.toBe(metadata);
      expect(Object.isFrozen(envelope.metadata)).toBe(true);
      expect(Object.isFrozen((envelope.metadata?.trace as { hops: string[] }).hops)).toBe(true);
    });

    it('delivers before the promise resolves', async () => {
      const received: string[] = [];
      bus.subscribe('karma.feedback', (message) => received.push(message.message_id));

      const envelope = await bus.publish('karma.feedback', FEEDBACK);

      expect(received).toEqual([envelope.message_id]);
    });

    it('hands subscribers the stored envelope', async () => {
      const received: Envelope[] = [];
      bus.subscribe('karma.feedback', (message) => received.push(message));

      const envelope = await bus.publish('karma.feedback', FEEDBACK);
      const page = await bus.history();

      expect(received).toHaveLength(1);
      expect(received[0]).toBe(envelope);
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).toBe(envelope);
    });
  });

  describe('when a message is mutated', () => {
    beforeEach(() => startBus());

    it('throws for subscriber writes', async () => {
      const writeErrors: unknown[] = [];
      bus.subscribe('test.events', (message) => {
        const writable = message as unknown as {
          message_id: string;
          payload: { score: number; user: { id: string }; tags: string[] };
          metadata: { source: string };
        };
        writeErrors.push(errorFrom(() => (writable.message_id = 'forged')));
        writeErrors.push(errorFrom(() => (writable.payload.score = 0)));
        writeErrors.push(errorFrom(() => (writable.payload.user.id = 'forged')));
        writeErrors.push(errorFrom(() => writable.payload.tags.push('forged')));
        writeErrors.push(errorFrom(() => (writable.metadata.source = 'forged')));
      });

      await bus.publish(
        'test.events',
        { score: 10, user: { id: 'u-1' }, tags: ['a'] },
        { source: 'spec' },
      );

      expect(writeErrors).toHaveLength(5);
      for (const error of writeErrors) {
        expect(error).toBeInstanceOf(TypeError);
      }
    });

    it('hides subscriber writes from others', async () => {
      const seenByLater: unknown[] = [];
      bus.subscribe('test.events', (message) => {
        errorFrom(() => ((message.payload as { score: number }).score = 0));
      });
      bus.subscribe('test.events', (message) => seenByLater.push(message.payload));

      await bus.publish('test.events', { score: 10 });
      const page = await bus.history();

      expect(seenByLater).toEqual([{ score: 10 }]);
      expect(page.items[0].payload).toEqual({ score: 10 });
      expect(logger.errors()).toHaveLength(0);
    });

    it('ignores publisher writes after publish', async () => {
      const seen: unknown[] = [];
      bus.subscribe('test.events', (message) => seen.push(message.payload));
      const payload = { score: 10, user: { id: 'u-1' }, tags: ['a'] };
      const metadata = { source: 'spec', trace: { hop: 1 } };

      const pending = bus.publish('test.events', payload, metadata);
      payload.score = 99;
      payload.user.id = 'changed';
      payload.tags.push('b');
      metadata.trace.hop = 2;
      const envelope = await pending;
      const page = await bus.history();

      const original = { score: 10, user: { id: 'u-1' }, tags: ['a'] };
      expect(envelope.payload).toEqual(original);
      expect(envelope.metadata).toEqual({ source: 'spec', trace: { hop: 1 } });
      expect(seen).toEqual([original]);
      expect(page.items[0].payload).toEqual(original);
    });
  });

  describe('when a message is rejected', () => {
    let everyChannel: jest.Mock<MessageHandler>;

    beforeEach(async () => {
      await startBus();
      everyChannel = jest.fn<MessageHandler>();
      bus.subscribeAll(everyChannel);
    });

    it.each(['karma', 'karma.feedback.x', 'KARMA.FEEDBACK', 'karma.*', '*', '', 'karma.feedback '])(
      'rejects unknown channel %p',
      async (channel) => {
        let pending: Promise<unknown> | undefined;
        expect(() => {
          pending = bus.publish(channel as never, FEEDBACK as never);
        }).not.toThrow();

        await expect(pending).rejects.toThrow(UnknownChannelException);
        await expect(pending).rejects.toMatchObject({
          channel,
          knownChannels: [
            'karma.feedback',
            'karma.lifecycle',
            'karma.analytics',
            'orders.created',
            'test.events',
            'game.ping',
            'game.pong',
          ],
        });
        expect(everyChannel).not.toHaveBeenCalled();
        expect(await storedIds()).toEqual([]);
      },
    );

    it.each([
      ['score above range', { ...FEEDBACK, score: 150 }, 'payload.score', 'must be <= 100'],
      ['missing user_id', { ...FEEDBACK, user_id: undefined }, 'payload.user_id', 'is required'],
      ['extra property', { ...FEEDBACK, extra: 1 }, 'payload.extra', 'is not an allowed property'],
      [
        'band outside enum',
        { ...FEEDBACK, band: 'huge' },
        'payload.band',
        'must be one of: very_low, low, neutral, high, very_high',
      ],
      ['NaN score', { ...FEEDBACK, score: Number.NaN }, 'payload.score', 'must be a finite number'],
      [
        'function value',
        { ...FEEDBACK, callback: () => undefined },
        'payload.callback',
        'must be JSON data, not of type function',
      ],
      [
        'string action_count',
        { ...FEEDBACK, action_count: '3' },
        'payload.action_count',
        'must be integer',
      ],
    ])('rejects feedback with %s', async (_case, payload, field, reason) => {
      const pending = bus.publish('karma.feedback', payload as never);

      await expect(pending).rejects.toThrow(InvalidPayloadException);
      await expect(pending).rejects.toMatchObject({ channel: 'karma.feedback', field });
      await expect(pending).rejects.toThrow(
        `Invalid message on "karma.feedback": ${field} ${reason}`,
      );
      expect(everyChannel).not.toHaveBeenCalled();
      expect(await storedIds()).toEqual([]);
    });

    it('rejects role_change without role', async () => {
      const pending = bus.publish('karma.lifecycle', { ...LIFECYCLE, event: 'role_change' });

      await expect(pending).rejects.toThrow(InvalidPayloadException);
      await expect(pending).rejects.toMatchObject({ field: 'payload.role' });
      expect(everyChannel).not.toHaveBeenCalled();
    });

    it.each([
      ['an array', ['x'], 'metadata', 'must be an object'],
      [
        'a bad causation_id',
        { causation_id: 'not-a-uuid' },
        'metadata.causation_id',
        'must match pattern',
      ],
      [
        'an empty source',
        { source: '' },
        'metadata.source',
        'must NOT have fewer than 1 characters',
      ],
      ['a function', { hook: () => undefined }, 'metadata.hook', 'must be JSON data'],
    ])('rejects metadata that is %s', async (_case, metadata, field, reason) => {
      const pending = bus.publish('karma.feedback', FEEDBACK, metadata as never);

      await expect(pending).rejects.toThrow(InvalidPayloadException);
      await expect(pending).rejects.toMatchObject({ field });
      await expect(pending).rejects.toThrow(`${field} ${reason}`);
      expect(everyChannel).not.toHaveBeenCalled();
      expect(await storedIds()).toEqual([]);
    });

    it('counts no rejected publish', async () => {
      await expect(bus.publish('karma.feedback', { ...FEEDBACK, score: -1 })).rejects.toThrow(
        InvalidPayloadException,
      );

      const feedback = (await bus.channels()).find((info) => info.name === 'karma.feedback');
      expect(feedback).toMatchObject({ published: 0, in_history: 0, failed: 0 });
    });
  });

  describe('subscribe()', () => {
    beforeEach(() => startBus());

    it('calls every subscriber once', async () => {
      const calls: string[] = [];
      const received: Envelope[] = [];
      for (const name of ['first', 'second', 'third']) {
        bus.subscribe('karma.feedback', (message) => {
          calls.push(name);
          received.push(message);
        });
      }

      const envelope = await bus.publish('karma.feedback', FEEDBACK);

      expect(calls).toEqual(['first', 'second', 'third']);
      expect(received).toEqual([envelope, envelope, envelope]);
    });

    it('throws on an unknown channel', () => {
      const subscribe = () => bus.subscribe('karma.unknown' as never, () => undefined);

      expect(subscribe).toThrow(UnknownChannelException);
      expect(subscribe).toThrow(
        'Unknown channel "karma.unknown". Allowed channels: karma.feedback',
      );
    });

    it('describes the subscription', () => {
      function auditScores(): void {}

      const named = bus.subscribe('karma.feedback', () => undefined, { name: 'audit' });
      const byFunction = bus.subscribe('karma.feedback', auditScores);
      const anonymous = bus.subscribe('karma.feedback', () => undefined);

      expect(named).toMatchObject({ channel: 'karma.feedback', name: 'audit', active: true });
      expect(byFunction.name).toBe('auditScores');
      expect(anonymous.name).toBe('anonymous');
    });

    it('isolates channels', async () => {
      const feedback: string[] = [];
      const lifecycle: string[] = [];
      bus.subscribe('karma.feedback', (message) => feedback.push(message.channel));
      bus.subscribe('karma.lifecycle', (message) => lifecycle.push(message.channel));

      await bus.publish('karma.feedback', FEEDBACK);
      await bus.publish('karma.lifecycle', LIFECYCLE);
      await bus.publish('karma.feedback', FEEDBACK);
      await bus.publish('karma.analytics', ANALYTICS);

      expect(feedback).toEqual(['karma.feedback', 'karma.feedback']);
      expect(lifecycle).toEqual(['karma.lifecycle']);
    });
  });

  describe('unsubscribe()', () => {
    beforeEach(() => startBus());

    it('stops delivery', async () => {
      const handler = jest.fn<MessageHandler>();
      const subscription = bus.subscribe('karma.feedback', handler);
      await bus.publish('karma.feedback', FEEDBACK);

      subscription.unsubscribe();
      await bus.publish('karma.feedback', FEEDBACK);

      expect(handler).toHaveBeenCalledTimes(1);
      expect(subscription.active).toBe(false);
    });

    it('is idempotent', async () => {
      const shared = jest.fn<MessageHandler>();
      const remaining = bus.subscribe('karma.feedback', shared, { name: 'remaining' });
      const removed = bus.subscribe('karma.feedback', shared, { name: 'removed' });
      const countSubscribers = async () =>
        (await bus.channels()).find((info) => info.name === 'karma.feedback')?.subscribers;
      expect(await countSubscribers()).toBe(2);

      removed.unsubscribe();
      removed.unsubscribe();
      removed.unsubscribe();
      await bus.publish('karma.feedback', FEEDBACK);

      expect(await countSubscribers()).toBe(1);
      expect(removed.active).toBe(false);
      expect(remaining.active).toBe(true);
      expect(shared).toHaveBeenCalledTimes(1);
    });

    it('is idempotent for subscribeAll()', async () => {
      const remaining = jest.fn<MessageHandler>();
      const removedHandler = jest.fn<MessageHandler>();
      bus.subscribeAll(remaining);
      const removed = bus.subscribeAll(removedHandler);

      removed.unsubscribe();
      removed.unsubscribe();
      await bus.publish('karma.lifecycle', LIFECYCLE);

      expect(remaining).toHaveBeenCalledTimes(1);
      expect(removedHandler).not.toHaveBeenCalled();
      const lifecycle = (await bus.channels()).find((info) => info.name === 'karma.lifecycle');
      expect(lifecycle?.subscribers).toBe(1);
    });
  });

  describe('subscribeAll()', () => {
    beforeEach(() => startBus());

    it('receives every channel', async () => {
      const received: string[] = [];
      const subscription = bus.subscribeAll((message) => received.push(message.channel), {
        name: 'tap',
      });

      await bus.publish('karma.feedback', FEEDBACK);
      await bus.publish('orders.created', { order_id: 'o-1' });
      await bus.publish('karma.analytics', ANALYTICS);

      expect(received).toEqual(['karma.feedback', 'orders.created', 'karma.analytics']);
      expect(subscription).toMatchObject({ channel: '*', name: 'tap', active: true });
    });
  });

  describe('when using karma shortcuts', () => {
    beforeEach(() => startBus());

    it('routes feedback through onFeedback()', async () => {
      const received: Envelope[] = [];
      const subscription = bus.onFeedback((message) => received.push(message), { name: 'f' });

      const envelope = await bus.publishFeedback(FEEDBACK, { source: 'spec' });

      expect(subscription).toMatchObject({ channel: 'karma.feedback', name: 'f' });
      expect(envelope).toMatchObject({ channel: 'karma.feedback', payload: FEEDBACK });
      expect(envelope.metadata).toEqual({ source: 'spec' });
      expect(received).toEqual([envelope]);
    });

    it('routes lifecycle through onLifecycle()', async () => {
      const received: Envelope[] = [];
      const subscription = bus.onLifecycle((message) => received.push(message));

      const envelope = await bus.publishLifecycle(LIFECYCLE);

      expect(subscription.channel).toBe('karma.lifecycle');
      expect(envelope).toMatchObject({ channel: 'karma.lifecycle', payload: LIFECYCLE });
      expect(received).toEqual([envelope]);
    });

    it('routes analytics through onAnalytics()', async () => {
      const received: Envelope[] = [];
      const subscription = bus.onAnalytics((message) => received.push(message));

      const envelope = await bus.publishAnalytics(ANALYTICS);

      expect(subscription.channel).toBe('karma.analytics');
      expect(envelope).toMatchObject({ channel: 'karma.analytics', payload: ANALYTICS });
      expect(received).toEqual([envelope]);
    });

    it('validates shortcut payloads', async () => {
      const received = jest.fn<MessageHandler>();
      bus.onFeedback(received);

      await expect(bus.publishFeedback({ ...FEEDBACK, score: 101 })).rejects.toMatchObject({
        field: 'payload.score',
      });
      await expect(
        bus.publishLifecycle({ ...LIFECYCLE, event: 'ascension' as never }),
      ).rejects.toMatchObject({ field: 'payload.event' });
      await expect(
        bus.publishAnalytics({ ...ANALYTICS, trigger_message_id: 'x' }),
      ).rejects.toMatchObject({ field: 'payload.trigger_message_id' });
      expect(received).not.toHaveBeenCalled();
    });
  });

  describe('when a handler fails', () => {
    // NOTE: Jest gives each spec a sandboxed `process` whose `unhandledRejection` and
    // `uncaughtException` listeners never fire, so a spy there could not fail. An escaped
    // rejection fails the test through Jest's own handler; a throw escapes `publish()` itself.
    beforeEach(() => startBus());

    it('keeps delivering to the others', async () => {
      const thrown: Error[] = [];
      const rejected: Error[] = [];
      const recorded: string[] = [];
      const thrower = jest.fn<MessageHandler>(() => {
        const error = new Error('thrower failed');
        thrown.push(error);
        throw error;
      });
      const rejecter = jest.fn<MessageHandler>(() => {
        const error = new Error('rejecter failed');
        rejected.push(error);
        return Promise.reject(error);
      });
      const subscriptions: Subscription[] = [
        bus.subscribe('karma.feedback', thrower, { name: 'Thrower' }),
        bus.subscribe('karma.feedback', rejecter, { name: 'Rejecter' }),
        bus.subscribe('karma.feedback', (message) => recorded.push(message.message_id), {
          name: 'Recorder',
        }),
      ];

      const first = await bus.publish('karma.feedback', FEEDBACK);
      const second = await bus.publish('karma.feedback', { ...FEEDBACK, score: 12.5 });
      await bus.idle();

      expect(recorded).toEqual([first.message_id, second.message_id]);
      expect(thrower).toHaveBeenCalledTimes(2);
      expect(rejecter).toHaveBeenCalledTimes(2);
      expect(subscriptions.map((subscription) => subscription.active)).toEqual([true, true, true]);
      expect(await storedIds()).toEqual([first.message_id, second.message_id]);
    });

    it('logs each failure once', async () => {
      const errorsByName = new Map<string, Error[]>([
        ['Thrower', []],
        ['Rejecter', []],
      ]);
      bus.subscribe(
        'karma.feedback',
        () => {
          const error = new Error('thrower failed');
          errorsByName.get('Thrower')?.push(error);
          throw error;
        },
        { name: 'Thrower' },
      );
      bus.subscribe(
        'karma.feedback',
        async () => {
          await Promise.resolve();
          const error = new Error('rejecter failed');
          errorsByName.get('Rejecter')?.push(error);
          throw error;
        },
        { name: 'Rejecter' },
      );

      const messages = [
        await bus.publish('karma.feedback', FEEDBACK),
        await bus.publish('karma.feedback', FEEDBACK),
      ];
      await bus.idle();

      const failures = logger.errors();
      expect(failures).toHaveLength(4);
      for (const [name, errors] of errorsByName) {
        expect(errors).toHaveLength(2);
        messages.forEach((message, index) => {
          const matching = failures.filter(
            (entry) => entry.message.includes(name) && entry.message.includes(message.message_id),
          );
          expect(matching).toHaveLength(1);
          expect(matching[0].message).toContain('karma.feedback');
          expect(matching[0].message).toContain(errors[index].message);
          expect(matching[0].params).toEqual([errors[index].stack, 'EventBus']);
        });
      }
    });

    it('resolves publish despite failures', async () => {
      bus.subscribe('karma.feedback', () => {
        throw new Error('thrower failed');
      });
      bus.subscribe('karma.feedback', () => Promise.reject(new Error('rejecter failed')));

      await expect(bus.publish('karma.feedback', FEEDBACK)).resolves.toMatchObject({
        channel: 'karma.feedback',
      });
      await bus.idle();
    });

    it('logs non-Error throws', async () => {
      bus.subscribe(
        'karma.lifecycle',
        () => {
          throw 'plain text' as unknown as Error;
        },
        { name: 'Texter' },
      );

      const message = await bus.publish('karma.lifecycle', LIFECYCLE);

      expect(logger.errors()).toEqual([
        {
          level: 'error',
          message: `Listener Texter failed on karma.lifecycle message ${message.message_id}: plain text`,
          params: [undefined, 'EventBus'],
        },
      ]);
    });

    it('counts failures per channel', async () => {
      bus.subscribe('karma.feedback', () => {
        throw new Error('thrower failed');
      });
      bus.subscribe('karma.feedback', () => Promise.reject(new Error('rejecter failed')));
      bus.subscribe('karma.lifecycle', () => undefined);

      await bus.publish('karma.feedback', FEEDBACK);
      await bus.publish('karma.feedback', FEEDBACK);
      await bus.publish('karma.lifecycle', LIFECYCLE);
      await bus.idle();

      const failed = Object.fromEntries(
        (await bus.channels()).map((info) => [info.name, info.failed]),
      );
      expect(failed).toEqual({
        'karma.feedback': 4,
        'karma.lifecycle': 0,
        'karma.analytics': 0,
        'orders.created': 0,
        'test.events': 0,
        'game.ping': 0,
        'game.pong': 0,
      });
    });
  });

  describe('when catch-all meets exact listeners', () => {
    beforeEach(() => startBus());

    it('delivers each exactly once', async () => {
      const feedback = jest.fn<MessageHandler>();
      const lifecycle = jest.fn<MessageHandler>();
      const everyChannel: string[] = [];
      bus.subscribe('karma.feedback', feedback);
      bus.subscribe('karma.lifecycle', lifecycle);
      bus.subscribeAll((message) => everyChannel.push(message.channel));

      const sent = [
        await bus.publish('karma.feedback', FEEDBACK),
        await bus.publish('karma.lifecycle', LIFECYCLE),
        await bus.publish('karma.analytics', ANALYTICS),
      ];

      expect(feedback).toHaveBeenCalledTimes(1);
      expect(feedback).toHaveBeenCalledWith(sent[0]);
      expect(lifecycle).toHaveBeenCalledTimes(1);
      expect(lifecycle).toHaveBeenCalledWith(sent[1]);
      expect(everyChannel).toEqual(['karma.feedback', 'karma.lifecycle', 'karma.analytics']);
    });

    it.each(['karma', 'karma.feedback.x', 'karma.feedbackx', 'KARMA.FEEDBACK'])(
      'rejects near name %p',
      async (channel) => {
        const feedback = jest.fn<MessageHandler>();
        const everyChannel = jest.fn<MessageHandler>();
        bus.subscribe('karma.feedback', feedback);
        bus.subscribeAll(everyChannel);

        await expect(bus.publish(channel as never, FEEDBACK as never)).rejects.toThrow(
          UnknownChannelException,
        );
        expect(() => bus.subscribe(channel as never, () => undefined)).toThrow(
          UnknownChannelException,
        );
        await expect(bus.history({ channel })).rejects.toMatchObject({ parameter: 'channel' });
        expect(feedback).not.toHaveBeenCalled();
        expect(everyChannel).not.toHaveBeenCalled();
      },
    );
  });

  describe('when a handler publishes', () => {
    beforeEach(() => startBus());

    it('delivers the original first', async () => {
      const log: string[] = [];
      let derived: Promise<Envelope> | undefined;
      bus.subscribe('test.events', (message) => {
        log.push(`deriver:${String(message.payload.kind)}`);
        if (message.payload.kind === 'original') {
          derived = bus.publish(
            'test.events',
            { kind: 'derived' },
            { causation_id: message.message_id },
          );
        }
      });
      bus.subscribe('test.events', (message) => log.push(`second:${String(message.payload.kind)}`));
      bus.subscribe('test.events', (message) => log.push(`third:${String(message.payload.kind)}`));
      bus.subscribeAll((message) =>
        log.push(`all:${String((message.payload as { kind: string }).kind)}`),
      );

      const original = await bus.publish('test.events', { kind: 'original' });

      expect(log).toHaveLength(8);
      expect(new Set(log.slice(0, 4))).toEqual(
        new Set(['deriver:original', 'second:original', 'third:original', 'all:original']),
      );
      expect(new Set(log.slice(4))).toEqual(
        new Set(['deriver:derived', 'second:derived', 'third:derived', 'all:derived']),
      );
      const derivedEnvelope = await derived;
      expect(derivedEnvelope?.metadata).toEqual({
        causation_id: original.message_id,
        correlation_id: original.message_id,
      });
      expect(await storedIds()).toEqual([original.message_id, derivedEnvelope?.message_id]);
    });

    it('survives a 10,000-message ping-pong', async () => {
      const rounds = 10_000;
      const seen: number[] = [];
      bus.subscribe('game.ping', (message) => {
        seen.push(message.payload.n);
        if (message.payload.n < rounds) {
          void bus.publish('game.pong', { n: message.payload.n + 1 });
        }
      });
      bus.subscribe('game.pong', (message) => {
        seen.push(message.payload.n);
        if (message.payload.n < rounds) {
          void bus.publish('game.ping', { n: message.payload.n + 1 });
        }
      });

      await bus.publish('game.ping', { n: 0 });

      expect(logger.errors()).toEqual([]);
      expect(seen).toHaveLength(rounds + 1);
      expect(seen.every((n, index) => n === index)).toBe(true);
      const published = Object.fromEntries(
        (await bus.channels()).map((info) => [info.name, info.published]),
      );
      expect(published['game.ping']).toBe(5_001);
      expect(published['game.pong']).toBe(5_000);
    });
  });

  describe.each([
    [
      'exact',
      (target: EventBusService<TestChannels>, name: string, handler: MessageHandler) =>
        target.subscribe('test.events', handler, { name }),
    ],
    [
      'catch-all',
      (target: EventBusService<TestChannels>, name: string, handler: MessageHandler) =>
        target.subscribeAll(handler, { name }),
    ],
  ])('when %s subscriptions change mid-delivery', (_kind, subscribeTo) => {
    let calls: string[];
    let subscriptions: Map<string, Subscription>;

    function subscribeNamed(name: string, onMessage: (n: number) => void = () => undefined) {
      subscriptions.set(
        name,
        subscribeTo(bus, name, (message) => {
          const n = (message.payload as { n: number }).n;
          calls.push(`${name}${n}`);
          onMessage(n);
        }),
      );
    }

    async function publishTwice(): Promise<void> {
      await bus.publish('test.events', { n: 1 });
      await bus.publish('test.events', { n: 2 });
    }

    beforeEach(async () => {
      await startBus();
      calls = [];
      subscriptions = new Map();
    });

    it('keeps neighbours after self-unsubscribe', async () => {
      subscribeNamed('A');
      subscribeNamed('B', () => subscriptions.get('B')?.unsubscribe());
      subscribeNamed('C');
      subscribeNamed('D');

      await publishTwice();

      expect(calls).toEqual(['A1', 'B1', 'C1', 'D1', 'A2', 'C2', 'D2']);
    });

    it('skips a later neighbour at once', async () => {
      subscribeNamed('A');
      subscribeNamed('B', () => subscriptions.get('C')?.unsubscribe());
      subscribeNamed('C');
      subscribeNamed('D');

      await publishTwice();

      expect(calls).toEqual(['A1', 'B1', 'D1', 'A2', 'B2', 'D2']);
    });

    it('keeps others after earlier removal', async () => {
      subscribeNamed('A');
      subscribeNamed('B');
      subscribeNamed('C', () => subscriptions.get('A')?.unsubscribe());
      subscribeNamed('D');

      await publishTwice();

      expect(calls).toEqual(['A1', 'B1', 'C1', 'D1', 'B2', 'C2', 'D2']);
    });

    it('starts a new subscriber next message', async () => {
      subscribeNamed('A');
      subscribeNamed('B', (n) => {
        if (n === 1) {
          subscribeNamed('N');
        }
      });
      subscribeNamed('C');

      await publishTwice();

      expect(calls).toEqual(['A1', 'B1', 'C1', 'A2', 'B2', 'C2', 'N2']);
    });
  });

  describe('when kinds mix mid-delivery', () => {
    beforeEach(() => startBus());

    it('starts a catch-all next message', async () => {
      const calls: string[] = [];
      let added: Subscription | undefined;
      bus.subscribe('test.events', (message) => {
        calls.push(`exact${String(message.payload.n)}`);
        added ??= bus.subscribeAll(
          (later) => calls.push(`added${String((later.payload as { n: number }).n)}`),
          { name: 'added' },
        );
      });

      await bus.publish('test.events', { n: 1 });
      await bus.publish('test.events', { n: 2 });

      expect(calls).toEqual(['exact1', 'exact2', 'added2']);
    });

    it('starts an exact subscriber next message', async () => {
      const calls: string[] = [];
      let added: Subscription | undefined;
      bus.subscribeAll((message) => {
        calls.push(`all${String((message.payload as { n: number }).n)}`);
        added ??= bus.subscribe('test.events', (later) =>
          calls.push(`added${String(later.payload.n)}`),
        );
      });

      await bus.publish('test.events', { n: 1 });
      await bus.publish('test.events', { n: 2 });

      expect(calls).toEqual(['all1', 'added2', 'all2']);
    });

    it('skips a catch-all removed by an exact handler', async () => {
      const calls: string[] = [];
      const everyChannel = bus.subscribeAll((message) =>
        calls.push(`all${String((message.payload as { n: number }).n)}`),
      );
      bus.subscribe('test.events', (message) => {
        calls.push(`exact${String(message.payload.n)}`);
        everyChannel.unsubscribe();
      });

      await bus.publish('test.events', { n: 1 });
      await bus.publish('test.events', { n: 2 });

      expect(calls).toEqual(['exact1', 'exact2']);
    });
  });

  describe('when listeners pile up', () => {
    it('warns above maxListenersPerChannel', async () => {
      await startBus({ channels: TEST_CHANNELS, maxListenersPerChannel: 2 });
      const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);

      bus.subscribe('test.events', () => undefined);
      bus.subscribe('test.events', () => undefined);
      bus.subscribeAll(() => undefined);
      expect(emitWarning).not.toHaveBeenCalled();

      bus.subscribe('test.events', () => undefined);

      expect(emitWarning).toHaveBeenCalledTimes(1);
      expect(emitWarning.mock.calls[0][0]).toMatchObject({
        name: 'MaxListenersExceededWarning',
        count: 3,
      });
    });

    it('leaves no listener after churn', async () => {
      await startBus();
      const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      const countSubscribers = async () =>
        (await bus.channels()).find((info) => info.name === 'test.events')?.subscribers;
      const baseline = await countSubscribers();

      for (let round = 0; round < 500; round++) {
        bus.subscribe('test.events', () => undefined).unsubscribe();
        bus.subscribeAll(() => undefined).unsubscribe();
      }

      expect(baseline).toBe(0);
      expect(await countSubscribers()).toBe(0);
      expect(emitWarning).not.toHaveBeenCalled();
    });
  });

  describe('when messages interleave', () => {
    beforeEach(() => startBus());

    it('keeps publish order', async () => {
      const everyChannel: string[] = [];
      const perChannel: Record<string, string[]> = { 'test.events': [], 'orders.created': [] };
      bus.subscribeAll((message) => everyChannel.push(message.message_id));
      bus.subscribe('test.events', (message) => perChannel['test.events'].push(message.message_id));
      bus.subscribe('orders.created', (message) =>
        perChannel['orders.created'].push(message.message_id),
      );

      const sent: Envelope[] = [];
      for (let index = 0; index < 100; index++) {
        sent.push(
          index % 3 === 0
            ? await bus.publish('orders.created', { order_id: `o-${index}` })
            : await bus.publish('test.events', { index }),
        );
      }

      const sentIds = idsOf(sent);
      expect(everyChannel).toEqual(sentIds);
      expect(perChannel['orders.created']).toEqual(
        idsOf(sent.filter((message) => message.channel === 'orders.created')),
      );
      expect(perChannel['test.events']).toEqual(
        idsOf(sent.filter((message) => message.channel === 'test.events')),
      );
      expect(await storedIds()).toEqual(sentIds);
    });

    it('keeps order without awaiting', async () => {
      const everyChannel: number[] = [];
      bus.subscribeAll((message) => everyChannel.push((message.payload as { n: number }).n));

      await Promise.all(
        Array.from({ length: 50 }, (_, n) =>
          // A union of channels is rejected at type level, so each call names one of them.
          n % 2 === 0 ? bus.publish('game.ping', { n }) : bus.publish('game.pong', { n }),
        ),
      );

      expect(everyChannel).toEqual(Array.from({ length: 50 }, (_, n) => n));
    });
  });

  describe('when channels come from forRoot()', () => {
    beforeEach(() => startBus());

    it('accepts a valid custom payload', async () => {
      const received: Envelope[] = [];
      bus.subscribe('orders.created', (message) => received.push(message));

      const envelope = await bus.publish('orders.created', {
        order_id: 'o-1',
        lines: [{ sku: 'tea', qty: 2 }],
      });

      expect(received).toEqual([envelope]);
      expect(envelope.payload).toEqual({ order_id: 'o-1', lines: [{ sku: 'tea', qty: 2 }] });
    });

    it.each([
      ['missing order_id', {}, 'payload.order_id', 'is required'],
      ['numeric order_id', { order_id: 7 }, 'payload.order_id', 'must be string'],
      [
        'zero qty',
        { order_id: 'o-1', lines: [{ sku: 'tea', qty: 0 }] },
        'payload.lines.0.qty',
        'must be >= 1',
      ],
      [
        'unknown field',
        { order_id: 'o-1', note: 'x' },
        'payload.note',
        'is not an allowed property',
      ],
    ])('rejects a %s', async (_case, payload, field, reason) => {
      const pending = bus.publish('orders.created', payload as never);

      await expect(pending).rejects.toThrow(InvalidPayloadException);
      await expect(pending).rejects.toMatchObject({ channel: 'orders.created', field, reason });
    });

    it('accepts any JSON without schema', async () => {
      const envelope = await bus.publish('test.events', {
        anything: [1, 'two', null, { x: true }],
      });

      expect(envelope.payload).toEqual({ anything: [1, 'two', null, { x: true }] });
      await expect(bus.publish('test.events', { at: new Date() })).rejects.toMatchObject({
        field: 'payload.at',
      });
    });

    it('lists the custom channels', async () => {
      const infos = await bus.channels();

      expect(infos.map((info) => info.name)).toEqual([
        'karma.feedback',
        'karma.lifecycle',
        'karma.analytics',
        'orders.created',
        'test.events',
        'game.ping',
        'game.pong',
      ]);
      expect(infos[3].description).toBe('Orders placed by customers');
      expect(infos[4].description).toBeNull();
    });
  });

  describe('when a channel definition is invalid', () => {
    it.each([
      ['a one-segment name', { name: 'orders' }, 'orders'],
      ['an uppercase name', { name: 'Orders.Created' }, 'Orders.Created'],
      ['an empty segment', { name: 'orders..created' }, 'orders..created'],
      ['a wildcard name', { name: 'orders.*' }, 'orders.*'],
      ['a built-in name', { name: 'karma.feedback' }, 'karma.feedback'],
      [
        'a broken schema',
        { name: 'orders.created', schema: { type: 'nonsense' } },
        'orders.created',
      ],
      [
        'an unresolvable $ref',
        { name: 'orders.created', schema: { $ref: '#/$defs/missing' } },
        'orders.created',
      ],
    ])('fails start-up on %s', async (_case, definition, channel) => {
      await expect(createBus({ channels: [definition as ChannelDefinition] })).rejects.toThrow(
        InvalidChannelDefinitionException,
      );
      await expect(
        createBus({ channels: [definition as ChannelDefinition] }),
      ).rejects.toMatchObject({ channel });
    });

    it('fails start-up on a duplicate', async () => {
      await expect(
        createBus({ channels: [{ name: 'orders.created' }, { name: 'orders.created' }] }),
      ).rejects.toThrow(
        'Invalid channel definition "orders.created": the channel is registered twice.',
      );
    });
  });

  describe('when options are invalid', () => {
    it.each([
      ['historyCapacity', 0],
      ['historyCapacity', -1],
      ['historyCapacity', 1.5],
      ['maxPayloadDepth', 0],
      ['maxListenersPerChannel', 0],
    ])('fails start-up on %s=%p', async (option, value) => {
      await expect(createBus({ [option]: value })).rejects.toThrow(RangeError);
      await expect(createBus({ [option]: value })).rejects.toThrow(
        `Invalid event bus option ${option}=${JSON.stringify(value)}; allowed: an integer of at least 1.`,
      );
    });

    it('fails start-up on an unknown transport', async () => {
      await expect(createBus({ transport: { type: 'kafka' } as never })).rejects.toThrow(
        'Invalid event bus option transport.type="kafka"; allowed: "memory"',
      );
    });

    it('applies maxPayloadDepth', async () => {
      await startBus({ channels: TEST_CHANNELS, maxPayloadDepth: 2 });

      await expect(bus.publish('test.events', { a: {} })).resolves.toMatchObject({
        payload: { a: {} },
      });
      await expect(bus.publish('test.events', { a: { b: {} } })).rejects.toMatchObject({
        field: 'payload.a.b',
      });
    });
  });

  describe('history()', () => {
    it.each<[HistoryQuery, string, unknown]>([
      [{ limit: 0 }, 'limit', 0],
      [{ limit: -1 }, 'limit', -1],
      [{ limit: 2.5 }, 'limit', 2.5],
      [{ limit: 1001 }, 'limit', 1001],
      [{ limit: Number.NaN }, 'limit', Number.NaN],
      [{ limit: '3' as never }, 'limit', '3'],
      [{ order: 'up' as never }, 'order', 'up'],
      [{ channel: 'karma' }, 'channel', 'karma'],
      [{ after: '' }, 'after', ''],
      [{ before: 42 as never }, 'before', 42],
      [
        { after: '3f1c2a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f' },
        'after',
        '3f1c2a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f',
      ],
    ])('rejects %p naming %s', async (query, parameter, value) => {
      await startBus();

      const pending = bus.history(query);

      await expect(pending).rejects.toThrow(InvalidHistoryQueryException);
      await expect(pending).rejects.toMatchObject({ parameter, value });
      await expect(pending).rejects.toThrow(`Invalid history query: ${parameter}=`);
    });

    it('defaults to 50 newest first', async () => {
      await startBus();
      const sent: string[] = [];
      for (let index = 0; index < 60; index++) {
        sent.push((await bus.publish('test.events', { index })).message_id);
      }

      const page = await bus.history();

      expect(idsOf(page.items)).toEqual(sent.slice(10).reverse());
      expect(page.next_cursor).toBe(sent[10]);
    });

    it('pages with next_cursor', async () => {
      await startBus();
      const sent = [
        await bus.publish('karma.feedback', FEEDBACK),
        await bus.publish('karma.lifecycle', LIFECYCLE),
        await bus.publish('karma.feedback', FEEDBACK),
      ].map((message) => message.message_id);

      const first = await bus.history({ limit: 2 });
      const last = await bus.history({ limit: 2, before: first.next_cursor ?? undefined });

      expect(idsOf(first.items)).toEqual([sent[2], sent[1]]);
      expect(first.next_cursor).toBe(sent[1]);
      expect(idsOf(last.items)).toEqual([sent[0]]);
      expect(last.next_cursor).toBeNull();
    });

    it('evicts beyond historyCapacity', async () => {
      await startBus({ channels: TEST_CHANNELS, historyCapacity: 3 });
      const sent: string[] = [];
      for (let index = 0; index < 5; index++) {
        sent.push((await bus.publish('test.events', { index })).message_id);
      }

      const page = await bus.history({ channel: 'test.events', order: 'asc' });

      expect(idsOf(page.items)).toEqual(sent.slice(2));
      await expect(bus.history({ after: sent[1] })).rejects.toMatchObject({
        parameter: 'after',
        value: sent[1],
      });
    });
  });

  describe('channels()', () => {
    beforeEach(() => startBus({ historyCapacity: 2 }));

    it('counts exactly', async () => {
      bus.subscribe('karma.feedback', () => undefined);
      bus.subscribe('karma.lifecycle', () => {
        throw new Error('lifecycle listener failed');
      });
      const everyChannel = bus.subscribeAll(() => undefined);

      for (let index = 0; index < 3; index++) {
        await bus.publish('karma.feedback', FEEDBACK);
      }
      await bus.publish('karma.lifecycle', LIFECYCLE);
      await expect(
        bus.publish('karma.analytics', { ...ANALYTICS, users_seen: -1 }),
      ).rejects.toThrow(InvalidPayloadException);

      expect(await bus.channels()).toEqual([
        {
          name: 'karma.feedback',
          description: 'Influence results of the karma feedback engine',
          published: 3,
          in_history: 2,
          subscribers: 2,
          failed: 0,
        },
        {
          name: 'karma.lifecycle',
          description: 'User lifecycle events: birth, death, role changes and more',
          published: 1,
          in_history: 1,
          subscribers: 2,
          failed: 1,
        },
        {
          name: 'karma.analytics',
          description: 'Running aggregates published by the analytics listener',
          published: 0,
          in_history: 0,
          subscribers: 1,
          failed: 0,
        },
      ]);

      everyChannel.unsubscribe();
      const subscribers = (await bus.channels()).map((info) => info.subscribers);
      expect(subscribers).toEqual([1, 1, 0]);
    });
  });

  describe('idle()', () => {
    beforeEach(() => startBus());

    it('resolves at once when nothing pends', async () => {
      await expect(bus.idle()).resolves.toBeUndefined();
    });

    it('waits for async handlers', async () => {
      const finished: string[] = [];
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      bus.subscribe('karma.feedback', async (message) => {
        await gate;
        finished.push(message.message_id);
      });

      const envelope = await bus.publish('karma.feedback', FEEDBACK);
      const idle = bus.idle();
      expect(finished).toEqual([]);

      release();
      await idle;

      expect(finished).toEqual([envelope.message_id]);
    });
  });
});
