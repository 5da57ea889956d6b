import 'reflect-metadata';
import { CqrsModule, EventBus } from '@nestjs/cqrs';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { createBusContext, type BusContext } from '../support/bench-app.js';
import { BENCH_CHANNEL, benchPayload } from '../support/bench-channels.js';
import { progress, runGroup, type BenchMode } from '../support/group.js';
import {
  BenchChannelListener,
  CqrsPeerHandler,
  OnEventPeerListener,
} from '../support/peer-listeners.js';
import {
  burstMember,
  countingBus,
  createContext,
  expectCalls,
  historyOffBus,
  peerEvent,
  ReferenceLoop,
} from '../support/publish-members.js';
import { compareRow, type ResultRow } from '../support/result-row.js';
import {
  awaitedPerSecond,
  runInterleaved,
  type Member,
  type RoundPlan,
} from '../support/rounds.js';

const GROUP = 'publish';

interface PublishSettings {
  plan: RoundPlan;
  /** Publishes per member and round. */
  count: number;
  /** Publishes per round of the 100-subscriber member, whose every publish costs 100 calls. */
  fanout100Count: number;
  /** Publishes per round of the members that run in bursts of 10,000. */
  largeBurstCount: number;
}

const SETTINGS: Record<BenchMode, PublishSettings> = {
  full: {
    plan: { warmupRounds: 3, rounds: 11 },
    count: 20_000,
    fanout100Count: 2_000,
    largeBurstCount: 20_000,
  },
  smoke: {
    plan: { warmupRounds: 1, rounds: 2 },
    count: 200,
    fanout100Count: 100,
    largeBurstCount: 10_000,
  },
};

const SMALL_BURST = 100;
const LARGE_BURST = 10_000;

async function measure(mode: BenchMode): Promise<ResultRow[]> {
  const settings = SETTINGS[mode];
  const { count } = settings;

  const reference = new ReferenceLoop();
  const plain = await countingBus(1);
  const fanout10 = await countingBus(10);
  const fanout100 = await countingBus(100);
  const pattern = await countingBus(1, 'bench.*');
  const historyOff = await historyOffBus();
  const listening = await createBusContext({ providers: [BenchChannelListener] });
  const listener = listening.app.get(BenchChannelListener);

  class OnEventPeerModule {}
  const onEventApp = await createContext({
    module: OnEventPeerModule,
    imports: [EventEmitterModule.forRoot()],
    providers: [OnEventPeerListener],
  });
  const onEventListener = onEventApp.get(OnEventPeerListener);
  const emitter = onEventApp.get(EventEmitter2);

  class CqrsPeerModule {}
  const cqrsApp = await createContext({
    module: CqrsPeerModule,
    imports: [CqrsModule.forRoot()],
    providers: [CqrsPeerHandler],
  });
  const cqrsHandler = cqrsApp.get(CqrsPeerHandler);
  const cqrsBus = cqrsApp.get(EventBus);

  const publishToCqrs = (seq: number): void => {
    cqrsBus.publish(peerEvent(seq));
  };
  const publishOn =
    (context: BusContext) =>
    (seq: number): void =>
      void context.bus.publish(BENCH_CHANNEL, benchPayload(seq));

  const members: Member[] = [
    burstMember(
      'reference',
      count,
      SMALL_BURST,
      (seq) => reference.publish(seq),
      () => reference.received,
    ),
    burstMember('plain', count, SMALL_BURST, publishOn(plain), () => plain.calls.value),
    {
      name: 'plain-awaited',
      run: async () => {
        const before = plain.calls.value;
        const rate = await awaitedPerSecond(count, (seq) =>
          plain.bus.publish(BENCH_CHANNEL, benchPayload(seq)),
        );
        expectCalls('plain-awaited', plain.calls.value - before, count);
        return rate;
      },
    },
    burstMember('listener', count, SMALL_BURST, publishOn(listening), () => listener.received),
    burstMember(
      'listener-large',
      settings.largeBurstCount,
      LARGE_BURST,
      publishOn(listening),
      () => listener.received,
    ),
    burstMember(
      'fanout-10',
      count,
      SMALL_BURST,
      publishOn(fanout10),
      () => fanout10.calls.value,
      10,
    ),
    burstMember(
      'fanout-100',
      settings.fanout100Count,
      SMALL_BURST,
      publishOn(fanout100),
      () => fanout100.calls.value,
      100,
    ),
    burstMember(
      'history-off',
      count,
      SMALL_BURST,
      publishOn(historyOff),
      () => historyOff.calls.value,
    ),
    burstMember('pattern', count, SMALL_BURST, publishOn(pattern), () => pattern.calls.value),
    burstMember(
      'on-event',
      count,
      SMALL_BURST,
      (seq) => emitter.emit(BENCH_CHANNEL, peerEvent(seq)),
      () => onEventListener.received,
    ),
    burstMember(
      'on-event-large',
      settings.largeBurstCount,
      LARGE_BURST,
      (seq) => emitter.emit(BENCH_CHANNEL, peerEvent(seq)),
      () => onEventListener.received,
    ),
    burstMember('cqrs', count, SMALL_BURST, publishToCqrs, () => cqrsHandler.received),
    burstMember(
      'cqrs-large',
      settings.largeBurstCount,
      LARGE_BURST,
      publishToCqrs,
      () => cqrsHandler.received,
    ),
  ];

  progress(
    GROUP,
    `${members.length} members, ${settings.plan.warmupRounds} warm-up + ${settings.plan.rounds} rounds`,
  );
  const results = await runInterleaved(members, settings.plan, (line) => progress(GROUP, line));

  for (const app of [plain, fanout10, fanout100, pattern, historyOff, listening]) {
    await app.app.close();
  }
  await onEventApp.close();
  await cqrsApp.close();

  return publishRows(results);
}

function publishRows(results: Map<string, number[]>): ResultRow[] {
  const side = (label: string, member: string) => ({ label, samples: results.get(member)! });
  const burst = `bursts of ${SMALL_BURST}`;
  const largeBurst = `bursts of ${LARGE_BURST.toLocaleString('en-US')}`;
  const ours = 'publish() to an @OnChannel listener with history on';

  return [
    compareRow({
      id: 'P1',
      title: 'publish() to 1 plain subscriber, history on',
      unit: 'msg/s',
      product: side('publish()', 'plain'),
      reference: side('hand-written loop', 'reference'),
      goal: { comparison: 'at least', ratio: 1.5 },
      note: `${burst}; reference: randomUUID + toISOString envelope, ring of 1000, EventEmitter2 emit`,
    }),
    compareRow({
      id: 'P1 awaited',
      title: 'the same, each publish() awaited',
      unit: 'msg/s',
      product: side('await publish()', 'plain-awaited'),
      reference: side('hand-written loop', 'reference'),
      note: 'no goal; shows what awaiting each publish adds',
    }),
    compareRow({
      id: 'P2',
      title: '@OnChannel listener, versus plain (P1)',
      unit: 'msg/s',
      product: side('@OnChannel listener', 'listener'),
      reference: side('plain subscriber (P1)', 'plain'),
      goal: { comparison: 'at least', ratio: 0.5 },
      note: burst,
    }),
    compareRow({
      id: 'P3 10',
      title: 'fan-out to 10 subscribers, versus 1',
      unit: 'msg/s',
      product: side('10 subscribers', 'fanout-10'),
      reference: side('1 subscriber', 'plain'),
      goal: { comparison: 'at least', ratio: 0.8 },
      note: `${burst}; publishes per second`,
    }),
    compareRow({
      id: 'P3 100',
      title: 'fan-out to 100 subscribers, versus 1',
      unit: 'msg/s',
      product: side('100 subscribers', 'fanout-100'),
      reference: side('1 subscriber', 'plain'),
      goal: { comparison: 'at least', ratio: 0.4 },
      note: `${burst}; publishes per second`,
    }),
    compareRow({
      id: 'P4 history',
      title: 'history on, versus off',
      unit: 'msg/s',
      product: side('history on', 'plain'),
      reference: side('history off', 'history-off'),
      goal: { comparison: 'at least', ratio: 0.9 },
      note: 'the bus has no switch for history: "off" swaps in a bench transport that delivers without storing',
    }),
    compareRow({
      id: 'P4 patterns',
      title: 'pattern subscriber (bench.*), versus exact',
      unit: 'msg/s',
      product: side('pattern subscriber', 'pattern'),
      reference: side('channel subscriber', 'plain'),
      goal: { comparison: 'at least', ratio: 0.85 },
      note: burst,
    }),
    compareRow({
      id: 'P5 @OnEvent 100',
      title: `@OnChannel versus @OnEvent, ${burst}`,
      unit: 'msg/s',
      product: side('@OnChannel', 'listener'),
      reference: side('emit to @OnEvent', 'on-event'),
      goal: { comparison: 'at least', ratio: 1.0 },
      note: `${ours}; peer events built with randomUUID + toISOString per event`,
    }),
    compareRow({
      id: 'P5 @OnEvent 10k',
      title: `@OnChannel versus @OnEvent, ${largeBurst}`,
      unit: 'msg/s',
      product: side('@OnChannel', 'listener-large'),
      reference: side('emit to @OnEvent', 'on-event-large'),
      goal: { comparison: 'at least', ratio: 1.0 },
    }),
    compareRow({
      id: 'P5 cqrs 100',
      title: `@OnChannel versus @nestjs/cqrs, ${burst}`,
      unit: 'msg/s',
      product: side('@OnChannel', 'listener'),
      reference: side('EventBus.publish to @EventsHandler', 'cqrs'),
      goal: { comparison: 'at least', ratio: 2 },
    }),
    compareRow({
      id: 'P5 cqrs 10k',
      title: `@OnChannel versus @nestjs/cqrs, ${largeBurst}`,
      unit: 'msg/s',
      product: side('@OnChannel', 'listener-large'),
      reference: side('EventBus.publish to @EventsHandler', 'cqrs-large'),
      goal: { comparison: 'at least', ratio: 10 },
    }),
  ];
}

runGroup(GROUP, measure);
