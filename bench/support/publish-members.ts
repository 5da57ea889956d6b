/**
 * Members of the publish group: the reference loop, peer events, and buses built to count their
 * deliveries.
 */
import type { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { EVENT_BUS_TRANSPORT } from '../../src/event-bus/event-bus.constants.js';
import { EventBusService, type ChannelPattern } from '../../src/event-bus/index.js';
import { createBusContext, benchRootModule, type BusContext } from './bench-app.js';
import { BENCH_CHANNEL, benchPayload } from './bench-channels.js';
import { HistoryOffTransport } from './history-off.transport.js';
import { PeerEvent } from './peer-listeners.js';
import { burstsPerSecond, type Member } from './rounds.js';

/** Capacity of the reference loop's ring, the bus's default `historyCapacity`. */
const REFERENCE_RING_CAPACITY = 1000;

/**
 * The P1 reference: what a minimal hand-written bus does per message. It builds the envelope
 * with `crypto.randomUUID()` and `new Date().toISOString()`, pushes it to a ring of 1000 and
 * emits it on EventEmitter2 to one listener.
 */
export class ReferenceLoop {
  received = 0;
  private readonly ring = new Array<unknown>(REFERENCE_RING_CAPACITY);
  private next = 0;
  private readonly emitter = new EventEmitter2();

  constructor() {
    this.emitter.on(BENCH_CHANNEL, () => this.received++);
  }

  publish(seq: number): void {
    const envelope = {
      message_id: randomUUID(),
      channel: BENCH_CHANNEL,
      payload: benchPayload(seq),
      timestamp: new Date().toISOString(),
    };
    this.ring[this.next] = envelope;
    this.next = (this.next + 1) % REFERENCE_RING_CAPACITY;
    this.emitter.emit(BENCH_CHANNEL, envelope);
  }
}

/** Builds a peer event with a new `randomUUID()` id and `toISOString()` timestamp. */
export function peerEvent(seq: number): PeerEvent {
  return new PeerEvent(randomUUID(), BENCH_CHANNEL, benchPayload(seq), new Date().toISOString());
}

/**
 * Creates a member that calls `publishOne` `count` times in bursts and checks afterwards that the
 * subscribers were called `count * callsPerPublish` times, so a broken delivery fails the run.
 */
export function burstMember(
  name: string,
  count: number,
  burstSize: number,
  publishOne: (seq: number) => void,
  callsSoFar: () => number,
  callsPerPublish = 1,
): Member {
  return {
    name,
    run: async () => {
      const before = callsSoFar();
      const rate = await burstsPerSecond(count, burstSize, publishOne);
      expectCalls(name, callsSoFar() - before, count * callsPerPublish);
      return rate;
    },
  };
}

export function expectCalls(member: string, actual: number, expected: number): void {
  if (actual !== expected) {
    throw new Error(`${member}: expected ${expected} handler calls in a round, got ${actual}`);
  }
}

/** Creates a bus whose subscribers count their calls into `calls.value`. */
export async function countingBus(
  subscribers: number,
  pattern?: ChannelPattern,
): Promise<BusContext & { calls: { value: number } }> {
  const context = await createBusContext();
  const calls = { value: 0 };
  const count = () => calls.value++;
  for (let i = 0; i < subscribers; i++) {
    const options = { name: `Counter${i}` };
    if (pattern === undefined) {
      context.bus.subscribe(BENCH_CHANNEL, count, options);
    } else {
      context.bus.subscribe(pattern, count, options);
    }
  }
  return { ...context, calls };
}

/**
 * Creates a bus on {@link HistoryOffTransport} through Nest's testing module, with one counting
 * subscriber.
 */
export async function historyOffBus(): Promise<BusContext & { calls: { value: number } }> {
  const moduleRef = await Test.createTestingModule({ imports: [benchRootModule()] })
    .overrideProvider(EVENT_BUS_TRANSPORT)
    .useValue(new HistoryOffTransport())
    .compile();
  await moduleRef.init();
  const bus: EventBusService = moduleRef.get(EventBusService);
  const calls = { value: 0 };
  bus.subscribe(BENCH_CHANNEL, () => calls.value++, { name: 'Counter' });
  return { app: moduleRef, bus, calls };
}

export async function createContext(module: DynamicModule): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(module, { abortOnError: false });
  await app.init();
  return app;
}
