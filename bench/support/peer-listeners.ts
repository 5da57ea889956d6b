import { Injectable } from '@nestjs/common';
import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { OnEvent } from '@nestjs/event-emitter';
import { OnChannel, type ChannelEnvelope } from '../../src/event-bus/index.js';
import { BENCH_CHANNEL, type BenchPayload } from './bench-channels.js';

/** Counts the messages of the bench channel, as an `@OnChannel` listener of the bus. */
@Injectable()
export class BenchChannelListener {
  received = 0;

  @OnChannel(BENCH_CHANNEL)
  handle(_message: ChannelEnvelope<typeof BENCH_CHANNEL>): void {
    this.received++;
  }
}

/**
 * The event the peers carry: the fields of an envelope, built by the bench with
 * `crypto.randomUUID()` and `new Date().toISOString()` for each event.
 */
export class PeerEvent {
  constructor(
    readonly message_id: string,
    readonly channel: string,
    readonly payload: BenchPayload,
    readonly timestamp: string,
  ) {}
}

/** Counts bench events as an `@OnEvent` listener of `@nestjs/event-emitter`. */
@Injectable()
export class OnEventPeerListener {
  received = 0;

  @OnEvent(BENCH_CHANNEL)
  handle(_event: PeerEvent): void {
    this.received++;
  }
}

/** Counts bench events as an `@EventsHandler` of `@nestjs/cqrs`. */
@EventsHandler(PeerEvent)
export class CqrsPeerHandler implements IEventHandler<PeerEvent> {
  received = 0;

  handle(_event: PeerEvent): void {
    this.received++;
  }
}
