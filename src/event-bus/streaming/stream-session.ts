import type { Envelope } from '../envelope/envelope.interface.js';
import { InvalidHistoryQueryException } from '../exceptions/invalid-history-query.exception.js';
import type { EventBusService } from '../event-bus.service.js';
import type { MessageFilter } from '../filtering/message-filter.interface.js';
import type { Subscription } from '../interfaces/subscription.interface.js';
import type { StreamSink } from './stream-event.interface.js';

/** Messages read from history per step of a replay. */
const REPLAY_PAGE = 1000;

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * One client's live stream: optionally replays what the client missed since its last event id,
 * then sends live messages, in order, without gaps or repeats.
 *
 * The live subscription opens before the replay and buffers, so a message published while the
 * replay is read is sent once: from history, or from the buffer if history did not have it yet.
 */
export class StreamSession {
  private subscription: Subscription | undefined;
  private buffer: Envelope[] | undefined = [];
  private readonly replayed = new Set<string>();
  private closed = false;

  constructor(
    private readonly bus: EventBusService,
    private readonly filter: MessageFilter,
    private readonly sink: StreamSink,
    private readonly name: string,
  ) {}

  /**
   * Subscribes; live messages wait in a buffer until `resume()`.
   * @throws InvalidFilterException when the filter is malformed, before anything is sent
   */
  open(): void {
    this.subscription = this.bus.subscribeMatching(
      this.filter,
      (envelope) => this.onLive(envelope),
      {
        name: this.name,
      },
    );
  }

  /** Replays from `lastEventId` when given, then sends the buffered and all later messages. */
  async resume(lastEventId: string | undefined): Promise<void> {
    if (lastEventId !== undefined) {
      await this.replay(lastEventId);
    }

    // The buffer stays in place while it is flushed, so a message published by a send (or by
    // anything it triggers) queues behind the buffered ones instead of overtaking them.
    const buffered = this.buffer ?? [];
    for (let i = 0; i < buffered.length; i++) {
      this.forward(buffered[i]);
    }
    this.buffer = undefined;
  }

  /** Stops the live subscription; safe to call at any moment, also while `resume()` runs. */
  stop(): void {
    this.closed = true;
    this.subscription?.unsubscribe();
    this.buffer = undefined;
  }

  private onLive(envelope: Envelope): void {
    if (this.buffer !== undefined) {
      this.buffer.push(envelope);
    } else {
      this.forward(envelope);
    }
  }

  private forward(envelope: Envelope): void {
    if (this.closed || this.replayed.has(envelope.message_id)) {
      return;
    }
    if (!this.sink.send({ kind: 'message', envelope })) {
      this.stop();
      this.sink.overflow();
    }
  }

  private async replay(lastEventId: string): Promise<void> {
    if (!UUID_V4.test(lastEventId)) {
      this.sink.send({
        kind: 'gap',
        gap: { reason: 'invalid_last_event_id', last_event_id: lastEventId },
      });
      return;
    }

    let after: string | null = lastEventId;
    while (after !== null && !this.closed) {
      let page;
      try {
        page = await this.bus.history({ ...this.filter, after, order: 'asc', limit: REPLAY_PAGE });
      } catch (error) {
        if (!(error instanceof InvalidHistoryQueryException)) {
          throw error;
        }
        this.sink.send({
          kind: 'gap',
          gap: { reason: 'unknown_last_event_id', last_event_id: lastEventId },
        });
        return;
      }
      for (const envelope of page.items) {
        this.forward(envelope);
        this.replayed.add(envelope.message_id);
      }
      after = page.next_cursor;
    }
  }
}
