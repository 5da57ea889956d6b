import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { EventBusChannels } from '../channels/channel-map.interface.js';
import type { Envelope } from '../envelope/envelope.interface.js';
import { EventBusService } from '../event-bus.service.js';
import { InvalidFilterException } from '../exceptions/invalid-filter.exception.js';
import type { MessageFilter } from '../filtering/message-filter.interface.js';
import type { EventBusModuleOptions } from '../interfaces/event-bus-options.interface.js';
import { createTestingBus, type TestingBus } from '../testing/testing-bus.factory.js';
import type { StreamEvent, StreamSink } from './stream-event.interface.js';
import { StreamSession } from './stream-session.js';

interface TestChannels extends EventBusChannels {
  'test.events': { n: number; user_id?: string };
  'test.other': { n: number };
}

const TEST_CHANNELS = [{ name: 'test.events' }, { name: 'test.other' }];

/** A UUID v4 that no message has. */
const UNKNOWN_ID = '6f1c2a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f';

/** Reads the `n` of a message event's payload, or undefined for other events. */
function numberOf(event: StreamEvent): number | undefined {
  return event.kind === 'message' ? (event.envelope.payload as { n: number }).n : undefined;
}

/** A sink that records every event and lets a test react to each send. */
class RecordingSink implements StreamSink {
  readonly events: StreamEvent[] = [];
  readonly overflow = jest.fn<() => void>();
  /** Called after each event is recorded. Its return value becomes the result of `send()`. */
  onSend: (event: StreamEvent) => boolean = () => true;

  send(event: StreamEvent): boolean {
    this.events.push(event);
    return this.onSend(event);
  }

  /** `n` of each message event, in send order. */
  numbers(): number[] {
    return this.events.flatMap((event) => {
      const n = numberOf(event);
      return n === undefined ? [] : [n];
    });
  }

  /** Message ids of each message event, in send order. */
  ids(): string[] {
    return this.events.flatMap((event) =>
      event.kind === 'message' ? [event.envelope.message_id] : [],
    );
  }
}

describe('StreamSession', () => {
  let testing: TestingBus<TestChannels> | undefined;
  let bus: EventBusService<TestChannels>;
  let sink: RecordingSink;
  let session: StreamSession | undefined;

  async function startBus(options: EventBusModuleOptions = {}): Promise<void> {
    testing = await createTestingBus<TestChannels>({
      bus: { channels: TEST_CHANNELS, ...options },
    });
    bus = testing.bus;
    sink = new RecordingSink();
  }

  function openSession(filter: MessageFilter = {}): StreamSession {
    session = new StreamSession(bus as unknown as EventBusService, filter, sink, 'test session');
    session.open();
    return session;
  }

  /** Publishes `test.events` messages numbered `from` to `to` and returns their envelopes. */
  async function publishRange(from: number, to: number): Promise<Envelope[]> {
    const envelopes: Envelope[] = [];
    for (let n = from; n <= to; n++) {
      envelopes.push(await bus.publish('test.events', { n }));
    }
    return envelopes;
  }

  /** Ids of the messages the bus delivered, in delivery order, as its recorder saw them. */
  function deliveredIds(): string[] {
    return (testing?.recorder.list() ?? []).map((message) => message.message_id);
  }

  /**
   * Subscribers of each test channel, as `GET /events/channels` reports them, without the
   * recorder of the testing bus.
   */
  async function subscriberCounts(): Promise<Record<string, number>> {
    const channels = await bus.channels();
    return Object.fromEntries(
      channels
        .filter((channel) => channel.name.startsWith('test.'))
        .map((channel) => [channel.name, channel.subscribers - 1]),
    );
  }

  afterEach(async () => {
    session?.stop();
    session = undefined;
    await testing?.close();
    testing = undefined;
  });

  describe('open()', () => {
    it('buffers until resume()', async () => {
      await startBus();
      const live = openSession();

      await publishRange(1, 2);

      expect(sink.events).toEqual([]);
      await live.resume(undefined);
      expect(sink.numbers()).toEqual([1, 2]);
    });

    it('subscribes once across channels', async () => {
      await startBus();

      openSession();

      expect(await subscriberCounts()).toEqual({ 'test.events': 1, 'test.other': 1 });
    });

    it('rejects a bad filter', async () => {
      await startBus();
      const bad = new StreamSession(
        bus as unknown as EventBusService,
        { channels: ['nope.*'] },
        sink,
        'bad session',
      );

      expect(() => bad.open()).toThrow(InvalidFilterException);
      expect(await subscriberCounts()).toEqual({ 'test.events': 0, 'test.other': 0 });
    });
  });

  describe('resume()', () => {
    it('sends live messages afterwards', async () => {
      await startBus();
      const live = openSession();
      await live.resume(undefined);

      await publishRange(1, 3);

      expect(sink.numbers()).toEqual([1, 2, 3]);
      expect(sink.events.every((event) => event.kind === 'message')).toBe(true);
    });

    it('applies the filter to live messages', async () => {
      await startBus();
      const live = openSession({ channels: ['test.events'], payload: { user_id: 'u1' } });
      await live.resume(undefined);

      await bus.publish('test.events', { n: 1, user_id: 'u1' });
      await bus.publish('test.events', { n: 2, user_id: 'u2' });
      await bus.publish('test.other', { n: 3 });
      await bus.publish('test.events', { n: 4, user_id: 'u1' });

      expect(sink.numbers()).toEqual([1, 4]);
    });

    it('replays missed messages, then live', async () => {
      await startBus();
      const [first] = await publishRange(1, 4);
      const live = openSession();

      await live.resume(first.message_id);
      await publishRange(5, 6);

      expect(sink.numbers()).toEqual([2, 3, 4, 5, 6]);
      expect(sink.ids()).toEqual(deliveredIds().slice(1));
    });

    it('replays only filtered messages', async () => {
      await startBus();
      const first = await bus.publish('test.other', { n: 1 });
      await bus.publish('test.events', { n: 2, user_id: 'u1' });
      await bus.publish('test.events', { n: 3, user_id: 'u2' });
      await bus.publish('test.other', { n: 4 });
      await bus.publish('test.events', { n: 5, user_id: 'u1' });
      const live = openSession({ channels: ['test.events'], payload: { user_id: 'u1' } });

      await live.resume(first.message_id);

      expect(sink.numbers()).toEqual([2, 5]);
    });

    it('replays nothing from the newest id', async () => {
      await startBus();
      const published = await publishRange(1, 3);
      const live = openSession();

      await live.resume(published[2].message_id);
      await publishRange(4, 4);

      expect(sink.numbers()).toEqual([4]);
    });
  });

  describe('when messages arrive during the replay', () => {
    it('sends one published before the read once', async () => {
      await startBus();
      const [first] = await publishRange(1, 2);
      const live = openSession();
      // In history and in the live buffer at once.
      await publishRange(3, 3);

      await live.resume(first.message_id);

      expect(sink.numbers()).toEqual([2, 3]);
    });

    it('sends one published between awaits once', async () => {
      await startBus();
      const [first] = await publishRange(1, 2);
      const live = openSession();

      const resumed = live.resume(first.message_id);
      await publishRange(3, 4);
      await resumed;
      await publishRange(5, 5);

      expect(sink.numbers()).toEqual([2, 3, 4, 5]);
    });

    it('sends one published from the sink once', async () => {
      await startBus();
      const [first] = await publishRange(1, 3);
      const live = openSession();
      sink.onSend = (event) => {
        if (numberOf(event) === 2) {
          void bus.publish('test.events', { n: 10 });
        }
        return true;
      };

      await live.resume(first.message_id);

      expect(sink.numbers()).toEqual([2, 3, 10]);
    });

    it('dedupes across replay pages', async () => {
      // Replays read 1000 messages per page: publish enough for two pages.
      await startBus({ historyCapacity: 3000 });
      const [first] = await publishRange(0, 1500);
      const live = openSession();
      sink.onSend = (event) => {
        if (numberOf(event) === 500) {
          void bus.publish('test.events', { n: 9999 });
        }
        return true;
      };

      await live.resume(first.message_id);

      const expected = [...Array.from({ length: 1500 }, (_, i) => i + 1), 9999];
      expect(sink.numbers()).toEqual(expected);
      expect(new Set(sink.ids()).size).toBe(1501);
      expect(sink.ids()).toEqual(deliveredIds().slice(1));
    });

    it('keeps order while flushing the buffer', async () => {
      await startBus();
      const live = openSession();
      await publishRange(1, 2);
      sink.onSend = (event) => {
        if (numberOf(event) === 1) {
          void bus.publish('test.events', { n: 3 });
        }
        return true;
      };

      await live.resume(undefined);

      expect(sink.numbers()).toEqual([1, 2, 3]);
    });
  });

  describe('when the resume id is unusable', () => {
    it.each([
      'garbage',
      '',
      '42',
      UNKNOWN_ID.toUpperCase(),
      '6f1c2a9e-8b7d-1c6e-9f10-2a3b4c5d6e7f',
      `${UNKNOWN_ID} `,
    ])('sends a gap for %p', async (lastEventId) => {
      await startBus();
      await publishRange(1, 2);
      const live = openSession();

      await live.resume(lastEventId);
      await publishRange(3, 3);

      expect(sink.events[0]).toEqual({
        kind: 'gap',
        gap: { reason: 'invalid_last_event_id', last_event_id: lastEventId },
      });
      expect(sink.events).toHaveLength(2);
      expect(sink.numbers()).toEqual([3]);
    });

    it('sends a gap for an unknown id', async () => {
      await startBus();
      await publishRange(1, 2);
      const live = openSession();

      await live.resume(UNKNOWN_ID);
      await publishRange(3, 3);

      expect(sink.events[0]).toEqual({
        kind: 'gap',
        gap: { reason: 'unknown_last_event_id', last_event_id: UNKNOWN_ID },
      });
      expect(sink.numbers()).toEqual([3]);
    });

    it('sends a gap for an evicted id', async () => {
      await startBus({ historyCapacity: 3 });
      const [evicted] = await publishRange(1, 5);
      const live = openSession();

      const resumed = live.resume(evicted.message_id);
      await publishRange(6, 6);
      await resumed;
      await publishRange(7, 7);

      expect(sink.events[0]).toEqual({
        kind: 'gap',
        gap: { reason: 'unknown_last_event_id', last_event_id: evicted.message_id },
      });
      expect(sink.events).toHaveLength(3);
      expect(sink.numbers()).toEqual([6, 7]);
    });
  });

  describe('stop()', () => {
    it('unsubscribes before resume()', async () => {
      await startBus();
      const live = openSession();

      live.stop();
      await publishRange(1, 1);
      await live.resume(undefined);

      expect(sink.events).toEqual([]);
      expect(await subscriberCounts()).toEqual({ 'test.events': 0, 'test.other': 0 });
    });

    it('unsubscribes during the replay', async () => {
      await startBus();
      const [first] = await publishRange(1, 3);
      const live = openSession();

      const resumed = live.resume(first.message_id);
      live.stop();
      await publishRange(4, 4);
      await resumed;
      await publishRange(5, 5);

      expect(sink.events).toEqual([]);
      expect(await subscriberCounts()).toEqual({ 'test.events': 0, 'test.other': 0 });
    });

    it('unsubscribes from inside the sink', async () => {
      await startBus();
      const [first] = await publishRange(1, 4);
      const live = openSession();
      sink.onSend = () => {
        live.stop();
        return true;
      };

      await live.resume(first.message_id);
      await publishRange(5, 5);

      expect(sink.numbers()).toEqual([2]);
      expect(await subscriberCounts()).toEqual({ 'test.events': 0, 'test.other': 0 });
    });

    it('unsubscribes after resume()', async () => {
      await startBus();
      const live = openSession({ channels: ['test.*'] });
      await live.resume(undefined);
      await publishRange(1, 1);

      live.stop();
      await publishRange(2, 2);

      expect(sink.numbers()).toEqual([1]);
      expect(await subscriberCounts()).toEqual({ 'test.events': 0, 'test.other': 0 });
    });

    it('can be called twice', async () => {
      await startBus();
      const live = openSession();

      live.stop();

      expect(() => live.stop()).not.toThrow();
      expect(await subscriberCounts()).toEqual({ 'test.events': 0, 'test.other': 0 });
    });
  });

  describe('when the sink overflows', () => {
    it('stops after a live message', async () => {
      await startBus();
      const live = openSession();
      await live.resume(undefined);
      sink.onSend = (event) => numberOf(event) !== 2;

      await publishRange(1, 4);

      expect(sink.numbers()).toEqual([1, 2]);
      expect(sink.overflow).toHaveBeenCalledTimes(1);
      expect(await subscriberCounts()).toEqual({ 'test.events': 0, 'test.other': 0 });
    });

    it('stops during the replay', async () => {
      await startBus();
      const [first] = await publishRange(1, 5);
      const live = openSession();
      sink.onSend = (event) => numberOf(event) !== 3;

      const resumed = live.resume(first.message_id);
      await publishRange(6, 6);
      await resumed;
      await publishRange(7, 7);

      expect(sink.numbers()).toEqual([2, 3]);
      expect(sink.overflow).toHaveBeenCalledTimes(1);
      expect(await subscriberCounts()).toEqual({ 'test.events': 0, 'test.other': 0 });
    });

    it('stops while flushing the buffer', async () => {
      await startBus();
      const live = openSession();
      await publishRange(1, 3);
      sink.onSend = (event) => numberOf(event) !== 1;

      await live.resume(undefined);

      expect(sink.numbers()).toEqual([1]);
      expect(sink.overflow).toHaveBeenCalledTimes(1);
      expect(await subscriberCounts()).toEqual({ 'test.events': 0, 'test.other': 0 });
    });
  });
});
