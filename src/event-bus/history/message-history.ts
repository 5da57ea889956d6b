import type { Envelope } from '../envelope/envelope.interface.js';
import { InvalidHistoryQueryException } from '../exceptions/invalid-history-query.exception.js';
import type { HistoryPage, ResolvedHistoryQuery } from '../interfaces/history-query.interface.js';
import { RingBuffer } from './ring-buffer.js';

/** The part of one channel's ring that a query may read: positions `[low, high)`. */
interface ChannelRange {
  ring: RingBuffer<Envelope>;
  low: number;
  high: number;
}

/** Position of a message: its channel's ring and its sequence number. */
interface MessagePosition {
  ring: RingBuffer<Envelope>;
  sequence: number;
}

/**
 * Keeps the most recent messages of each channel in a bounded ring and pages through them.
 *
 * Every message gets a sequence number in publish order across channels; cursors are message
 * ids mapped to those numbers. A query costs O(limit x channels + log capacity), whatever the
 * number of messages retained.
 *
 * The id index is built by lookups, not by `append`: publishing pays nothing for it, and a lookup
 * first indexes the messages appended since the previous one, so each message is indexed once.
 * NOTE: ids must be unique, as the bus's UUIDs are. Of two messages with one id, a lookup may
 * find either.
 */
export class MessageHistory {
  private readonly rings = new Map<string, RingBuffer<Envelope>>();
  private readonly positionById = new Map<string, MessagePosition>();
  /** Sequence number of the newest message in `positionById`. */
  private indexedThrough = 0;
  private lastSequence = 0;

  constructor(private readonly capacityPerChannel: number) {}

  append(envelope: Envelope): void {
    let ring = this.rings.get(envelope.channel);
    if (ring === undefined) {
      ring = new RingBuffer<Envelope>(this.capacityPerChannel);
      this.rings.set(envelope.channel, ring);
    }
    ring.push(envelope, ++this.lastSequence);
  }

  /** Messages of a channel currently retained. */
  size(channel: string): number {
    return this.rings.get(channel)?.size ?? 0;
  }

  /** Returns a retained message by id, or undefined. */
  get(messageId: string): Envelope | undefined {
    const position = this.locate(messageId);
    if (position === undefined) {
      return undefined;
    }
    const { ring, sequence } = position;
    return ring.at(ring.indexAfter(sequence - 1));
  }

  /** Returns true when the message is still retained. */
  contains(messageId: string): boolean {
    return this.locate(messageId) !== undefined;
  }

  /** Returns where a retained message is, or undefined when it was evicted or never stored. */
  private locate(messageId: string): MessagePosition | undefined {
    if (this.indexedThrough < this.lastSequence) {
      this.indexNewMessages();
    }
    const position = this.positionById.get(messageId);
    if (position === undefined) {
      return undefined;
    }
    // Evicted messages stay in the index until the next rebuild. A channel's ring keeps every
    // sequence after its oldest one, so the message is retained exactly when it is not older.
    const { ring, sequence } = position;
    return ring.size > 0 && ring.sequenceAt(0) <= sequence ? position : undefined;
  }

  /**
   * Adds the messages appended since the last lookup to the index. When evicted entries would
   * make up more than half of it, the index is rebuilt from the rings, so it never contains more
   * than twice as many entries as there are messages retained.
   */
  private indexNewMessages(): void {
    let retained = 0;
    this.rings.forEach((ring) => (retained += ring.size));
    const unindexed = this.lastSequence - this.indexedThrough;
    if (this.positionById.size + unindexed > 2 * retained) {
      this.positionById.clear();
      this.indexedThrough = 0;
    }

    for (const ring of this.rings.values()) {
      for (let index = ring.indexAfter(this.indexedThrough); index < ring.size; index++) {
        this.positionById.set(ring.at(index).message_id, {
          ring,
          sequence: ring.sequenceAt(index),
        });
      }
    }
    this.indexedThrough = this.lastSequence;
  }

  /**
   * Returns one page of history.
   * @throws InvalidHistoryQueryException when `after` or `before` is not a retained message id
   */
  query(query: ResolvedHistoryQuery): HistoryPage {
    const afterSequence = this.resolveCursor('after', query.after) ?? 0;
    const beforeSequence = this.resolveCursor('before', query.before) ?? Number.MAX_SAFE_INTEGER;

    const ranges: ChannelRange[] = [];
    for (const channel of query.channels) {
      const ring = this.rings.get(channel);
      if (ring === undefined) {
        continue;
      }
      const low = ring.indexAfter(afterSequence);
      const high = ring.indexAfter(beforeSequence - 1);
      if (low < high) {
        ranges.push({ ring, low, high });
      }
    }

    return query.order === 'asc'
      ? this.takeOldest(ranges, query.limit)
      : this.takeNewest(ranges, query.limit);
  }

  private resolveCursor(parameter: string, messageId: string | undefined): number | undefined {
    if (messageId === undefined) {
      return undefined;
    }
    const position = this.locate(messageId);
    if (position === undefined) {
      throw new InvalidHistoryQueryException(
        parameter,
        messageId,
        'the message_id of a message still in history (it may have been evicted)',
      );
    }
    return position.sequence;
  }

  /** Merges the ranges oldest first, taking the smallest sequence at each step. */
  private takeOldest(ranges: ChannelRange[], limit: number): HistoryPage {
    const items: Envelope[] = [];
    while (items.length < limit) {
      let best: ChannelRange | undefined;
      for (const range of ranges) {
        if (
          range.low < range.high &&
          (best === undefined || range.ring.sequenceAt(range.low) < best.ring.sequenceAt(best.low))
        ) {
          best = range;
        }
      }
      if (best === undefined) {
        return { items, next_cursor: null };
      }
      items.push(best.ring.at(best.low++));
    }
    return { items, next_cursor: this.hasMore(ranges) ? items[items.length - 1].message_id : null };
  }

  /** Merges the ranges newest first, taking the largest sequence at each step. */
  private takeNewest(ranges: ChannelRange[], limit: number): HistoryPage {
    const items: Envelope[] = [];
    while (items.length < limit) {
      let best: ChannelRange | undefined;
      for (const range of ranges) {
        if (
          range.low < range.high &&
          (best === undefined ||
            range.ring.sequenceAt(range.high - 1) > best.ring.sequenceAt(best.high - 1))
        ) {
          best = range;
        }
      }
      if (best === undefined) {
        return { items, next_cursor: null };
      }
      items.push(best.ring.at(--best.high));
    }
    return { items, next_cursor: this.hasMore(ranges) ? items[items.length - 1].message_id : null };
  }

  private hasMore(ranges: ChannelRange[]): boolean {
    return ranges.some((range) => range.low < range.high);
  }
}
