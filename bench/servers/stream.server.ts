import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EVENT_BUS_RESOLVED_OPTIONS } from '../../src/event-bus/event-bus.constants.js';
import type { ResolvedEventBusOptions } from '../../src/event-bus/event-bus.options.js';
import { EventBusService } from '../../src/event-bus/index.js';
import { benchRootModule } from '../support/bench-app.js';
import { BENCH_CHANNEL, benchPayload } from '../support/bench-channels.js';
import { stopOnRequest } from '../support/child-server.js';
import { LOOPBACK } from '../support/loopback.js';
import { collectGarbage } from '../support/rounds.js';

/** Messages published before the clients connect, so history is at capacity from the start. */
const PREFILLED = 1000;

/** Interval of the memory samples taken while publishing. */
const MEMORY_SAMPLE_MS = 100;

/** The ready message of this server, sent once it listens. */
export interface StreamServerReady {
  streamUrl: string;
}

/** Asks the server to publish `messages` messages at one per millisecond. */
export interface PublishRequest {
  type: 'publish';
  messages: number;
  /** Time after which the server stops publishing even when messages remain, in ms. */
  deadlineMs: number;
}

/** Sent when the last message is published: the publish time of each message. */
export interface PublishedReport {
  type: 'published';
  /** `process.hrtime.bigint()` in ns, as a number, just before each publish, by `seq`. */
  sentAtNs: number[];
  /** Messages published; fewer than requested when the deadline passed first. */
  published: number;
  /** Memory after collection before the first message, and the largest samples while publishing. */
  heapBeforeBytes: number;
  peakHeapBytes: number;
  peakRssBytes: number;
  /** Subscribers of the bench channel when publishing began: one per connected client. */
  subscribers: number;
  /** Time from the first publish to the last, in ms; about `messages` when the server keeps up. */
  publishSpanMs: number;
  /** Share of the publishing time the server's event loop was busy, from 0 to 1. */
  eventLoopUtilization: number;
  /** The bus's `stream.maxBufferedBytes`: what each client may leave unread. */
  maxBufferedBytes: number;
}

/** Sent on request after every client received everything: memory after collection. */
export interface MemoryReport {
  type: 'memory';
  heapAfterBytes: number;
}

function heapAfterCollection(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/**
 * Publishes `count` messages, one per elapsed millisecond. A timer tick that comes late
 * publishes every message that is due, so the average rate stays one per millisecond unless the
 * server cannot keep up. Stops at `deadlineMs` even when messages remain.
 */
async function publishAtOnePerMs(
  bus: EventBusService,
  maxBufferedBytes: number,
  count: number,
  deadlineMs: number,
): Promise<PublishedReport> {
  const subscribers = (await bus.channels()).find((c) => c.name === BENCH_CHANNEL)!.subscribers;
  const heapBeforeBytes = heapAfterCollection();
  const sentAtNs = new Array<number>(count);
  let peakHeapBytes = 0;
  let peakRssBytes = 0;
  const sampleMemory = () => {
    const usage = process.memoryUsage();
    peakHeapBytes = Math.max(peakHeapBytes, usage.heapUsed);
    peakRssBytes = Math.max(peakRssBytes, usage.rss);
  };
  const sampler = setInterval(sampleMemory, MEMORY_SAMPLE_MS);

  const startedMs = performance.now();
  const loopBefore = performance.eventLoopUtilization();
  let published = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(count, Math.floor(performance.now() - startedMs) + 1);
      for (; published < due; published++) {
        sentAtNs[published] = Number(process.hrtime.bigint());
        void bus.publish(BENCH_CHANNEL, benchPayload(published));
      }
      if (published === count || performance.now() - startedMs > deadlineMs) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });

  clearInterval(sampler);
  sampleMemory();
  return {
    type: 'published',
    sentAtNs: sentAtNs.slice(0, published),
    published,
    heapBeforeBytes,
    peakHeapBytes,
    peakRssBytes,
    subscribers,
    publishSpanMs: (sentAtNs[published - 1] - sentAtNs[0]) / 1e6,
    eventLoopUtilization: performance.eventLoopUtilization(loopBefore).utilization,
    maxBufferedBytes,
  };
}

/** Serves the bus's `GET /events/stream` and publishes on request from the parent. */
async function main(): Promise<void> {
  Logger.overrideLogger(['error']);

  const app = await NestFactory.create(benchRootModule({ http: true }), { logger: ['error'] });
  const bus: EventBusService = app.get(EventBusService);
  const options = app.get<ResolvedEventBusOptions>(EVENT_BUS_RESOLVED_OPTIONS);
  for (let i = 0; i < PREFILLED; i++) {
    await bus.publish(BENCH_CHANNEL, benchPayload(-PREFILLED + i));
  }
  await app.listen(0, LOOPBACK);

  process.on('message', (message: PublishRequest | { type: 'memory' }) => {
    if (message.type === 'publish') {
      void publishAtOnePerMs(
        bus,
        options.stream.maxBufferedBytes,
        message.messages,
        message.deadlineMs,
      ).then((report) => process.send!(report));
    } else if (message.type === 'memory') {
      const report: MemoryReport = { type: 'memory', heapAfterBytes: heapAfterCollection() };
      process.send!(report);
    }
  });
  stopOnRequest(() => app.close());

  const ready: StreamServerReady = {
    streamUrl: `${await app.getUrl()}/events/stream?channels=${BENCH_CHANNEL}`,
  };
  process.send!(ready);
}

await main();
