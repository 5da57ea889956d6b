import { jest } from '@jest/globals';
import {
  useBusHarness,
  TEST_CHANNELS,
  idsOf,
  type TestChannels,
} from './__fixtures__/event-bus.fixtures.js';
import type { Envelope } from './envelope/envelope.interface.js';
import type { EventBusService } from './event-bus.service.js';
import type { EventBusModuleOptions } from './interfaces/event-bus-options.interface.js';
import type { MessageHandler, Subscription } from './interfaces/subscription.interface.js';

describe('EventBusService: delivery order', () => {
  const harness = useBusHarness();
  let bus: EventBusService<TestChannels>;
  const startBus = async (options?: EventBusModuleOptions) => (bus = await harness.start(options));

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
      expect(await harness.storedIds()).toEqual([original.message_id, derivedEnvelope?.message_id]);
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

      expect(harness.logger.errors()).toEqual([]);
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
      expect(await harness.storedIds()).toEqual(sentIds);
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
});
