import { jest } from '@jest/globals';
import {
  useBusHarness,
  UUID_V4,
  ISO_UTC_MS,
  FEEDBACK,
  LIFECYCLE,
  errorFrom,
  type TestChannels,
} from './__fixtures__/event-bus.fixtures.js';
import type { Envelope } from './envelope/envelope.interface.js';
import type { EventBusService } from './event-bus.service.js';
import { InvalidPayloadException } from './exceptions/invalid-payload.exception.js';
import { UnknownChannelException } from './exceptions/unknown-channel.exception.js';
import type { EventBusModuleOptions } from './interfaces/event-bus-options.interface.js';
import type { MessageHandler } from './interfaces/subscription.interface.js';

describe('EventBusService: publishing', () => {
  const harness = useBusHarness();
  let bus: EventBusService<TestChannels>;
  const startBus = async (options?: EventBusModuleOptions) => (bus = await harness.start(options));

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
      expect(harness.logger.errors()).toHaveLength(0);
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
        expect(await harness.storedIds()).toEqual([]);
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
      expect(await harness.storedIds()).toEqual([]);
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
      expect(await harness.storedIds()).toEqual([]);
    });

    it('counts no rejected publish', async () => {
      await expect(bus.publish('karma.feedback', { ...FEEDBACK, score: -1 })).rejects.toThrow(
        InvalidPayloadException,
      );

      const feedback = (await bus.channels()).find((info) => info.name === 'karma.feedback');
      expect(feedback).toMatchObject({ published: 0, in_history: 0, failed: 0 });
    });
  });
});
