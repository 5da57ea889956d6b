import {
  useBusHarness,
  TEST_CHANNELS,
  FEEDBACK,
  LIFECYCLE,
  ANALYTICS,
  idsOf,
  type TestChannels,
} from './__fixtures__/event-bus.fixtures.js';
import type { EventBusService } from './event-bus.service.js';
import { InvalidHistoryQueryException } from './exceptions/invalid-history-query.exception.js';
import { InvalidPayloadException } from './exceptions/invalid-payload.exception.js';
import type { EventBusModuleOptions } from './interfaces/event-bus-options.interface.js';
import type { HistoryQuery } from './interfaces/history-query.interface.js';

describe('EventBusService: history, channels and idle', () => {
  const harness = useBusHarness();
  let bus: EventBusService<TestChannels>;
  const startBus = async (options?: EventBusModuleOptions) => (bus = await harness.start(options));

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
