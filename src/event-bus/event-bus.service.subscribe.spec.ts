import { jest } from '@jest/globals';
import {
  useBusHarness,
  FEEDBACK,
  LIFECYCLE,
  ANALYTICS,
  type TestChannels,
} from './__fixtures__/event-bus.fixtures.js';
import type { Envelope } from './envelope/envelope.interface.js';
import type { EventBusService } from './event-bus.service.js';
import { UnknownChannelException } from './exceptions/unknown-channel.exception.js';
import type { EventBusModuleOptions } from './interfaces/event-bus-options.interface.js';
import type { MessageHandler } from './interfaces/subscription.interface.js';

describe('EventBusService: subscribing', () => {
  const harness = useBusHarness();
  let bus: EventBusService<TestChannels>;
  const startBus = async (options?: EventBusModuleOptions) => (bus = await harness.start(options));

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
});
