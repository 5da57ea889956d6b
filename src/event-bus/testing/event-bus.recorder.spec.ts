import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { EventBusChannels } from '../channels/channel-map.interface.js';
import type { KarmaLifecyclePayload } from '../channels/karma.channels.js';
import { EventBusRecorder } from './event-bus.recorder.js';
import { MessageWaitTimeoutError } from './message-wait-timeout.error.js';
import { createTestingBus, type TestingBus } from './testing-bus.factory.js';

interface TestChannels extends EventBusChannels {
  'orders.created': { order_id: string };
}

function birth(userId: string): KarmaLifecyclePayload {
  return { user_id: userId, event: 'birth', occurred_at: '2026-12-01T12:00:00.000Z' };
}

describe('EventBusRecorder', () => {
  let testing: TestingBus<TestChannels>;
  let recorder: EventBusRecorder<TestChannels>;

  beforeEach(async () => {
    testing = await createTestingBus<TestChannels>({
      bus: { channels: [{ name: 'orders.created' }] },
    });
    recorder = testing.recorder;
  });

  afterEach(async () => {
    jest.useRealTimers();
    await testing.close();
  });

  describe('list()', () => {
    it('keeps delivery order across channels', async () => {
      const first = await testing.bus.publish('orders.created', { order_id: 'o-1' });
      const second = await testing.bus.publish('karma.lifecycle', birth('user-1'));
      const third = await testing.bus.publish('orders.created', { order_id: 'o-2' });

      expect(recorder.list()).toEqual([first, second, third]);
    });

    it('returns a copy', async () => {
      await testing.bus.publish('orders.created', { order_id: 'o-1' });

      recorder.list().length = 0;

      expect(recorder.list()).toHaveLength(1);
    });
  });

  describe('byChannel()', () => {
    it('keeps one channel', async () => {
      const first = await testing.bus.publish('orders.created', { order_id: 'o-1' });
      await testing.bus.publish('karma.lifecycle', birth('user-1'));
      const third = await testing.bus.publish('orders.created', { order_id: 'o-2' });

      expect(recorder.byChannel('orders.created')).toEqual([first, third]);
      expect(recorder.byChannel('karma.feedback')).toEqual([]);
    });
  });

  describe('clear()', () => {
    it('forgets recorded messages', async () => {
      await testing.bus.publish('orders.created', { order_id: 'o-1' });

      recorder.clear();

      expect(recorder.list()).toEqual([]);
      await expect(recorder.waitFor('orders.created', undefined, 0)).rejects.toThrow(
        MessageWaitTimeoutError,
      );
    });
  });

  describe('detach()', () => {
    it('stops recording', async () => {
      recorder.detach();

      await testing.bus.publish('orders.created', { order_id: 'o-1' });

      expect(recorder.list()).toEqual([]);
      expect((await testing.bus.channels()).map((info) => info.subscribers)).toEqual([0, 0, 0, 0]);
    });

    it('rejects pending waits', async () => {
      const waiting = recorder.waitFor('orders.created');

      recorder.detach();

      await expect(waiting).rejects.toThrow(
        'The recorder was detached while waiting for a message on orders.created',
      );
    });
  });

  describe('waitFor()', () => {
    it('returns the oldest recorded match', async () => {
      await testing.bus.publish('orders.created', { order_id: 'o-1' });
      const second = await testing.bus.publish('orders.created', { order_id: 'o-2' });
      await testing.bus.publish('orders.created', { order_id: 'o-2' });

      const found = await recorder.waitFor(
        'orders.created',
        (message) => message.payload.order_id === 'o-2',
      );

      expect(found).toBe(second);
    });

    it('waits for a later match', async () => {
      const waiting = recorder.waitFor(
        'orders.created',
        (message) => message.payload.order_id === 'o-2',
      );

      await testing.bus.publish('orders.created', { order_id: 'o-1' });
      await testing.bus.publish('karma.lifecycle', birth('o-2'));
      const match = await testing.bus.publish('orders.created', { order_id: 'o-2' });

      await expect(waiting).resolves.toBe(match);
    });

    it('matches any message without predicate', async () => {
      const waiting = recorder.waitFor('karma.lifecycle');

      const published = await testing.bus.publish('karma.lifecycle', birth('user-1'));

      await expect(waiting).resolves.toBe(published);
    });

    it('times out at the deadline', async () => {
      await testing.bus.publish('karma.lifecycle', birth('user-1'));
      await testing.bus.publish('orders.created', { order_id: 'o-1' });
      jest.useFakeTimers();
      let settled = false;

      const waiting = recorder.waitFor('orders.created', () => false, 500);
      void waiting.catch(() => undefined).finally(() => (settled = true));
      await jest.advanceTimersByTimeAsync(499);
      expect(settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);

      await expect(waiting).rejects.toThrow(
        new MessageWaitTimeoutError('orders.created', 500, {
          'karma.lifecycle': 1,
          'orders.created': 1,
        }),
      );
      await expect(waiting).rejects.toThrow(
        'Timed out after 500 ms waiting for a matching message on orders.created; ' +
          'recorded: 1 on karma.lifecycle, 1 on orders.created.',
      );
    });

    it('clears its timer once resolved', async () => {
      jest.useFakeTimers();
      const waiting = recorder.waitFor('orders.created', undefined, 60_000);
      expect(jest.getTimerCount()).toBe(1);

      await testing.bus.publish('orders.created', { order_id: 'o-1' });
      await waiting;

      expect(jest.getTimerCount()).toBe(0);
    });

    it('rejects when the predicate throws', async () => {
      const failure = new Error('predicate failed on purpose');
      const waiting = recorder.waitFor('orders.created', () => {
        throw failure;
      });

      await testing.bus.publish('orders.created', { order_id: 'o-1' });

      await expect(waiting).rejects.toBe(failure);
    });

    it.each([-1, 1.5, Number.NaN])('rejects timeoutMs %p', async (timeoutMs) => {
      await expect(recorder.waitFor('orders.created', undefined, timeoutMs)).rejects.toThrow(
        RangeError,
      );
    });
  });
});
