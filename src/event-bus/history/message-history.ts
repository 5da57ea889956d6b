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

/**
 * Keeps the most recent messages of each channel in a bounded ring and pages through them.
 *
 * Every message gets a sequence number in publish order across channels; cursors are message
 * ids mapped to those numbers. A query costs O(limit x channels + log capacity), whatever the
 * number of messages retained.
 */
export class MessageHistory {
  private readonly rings = new Map<string, RingBuffer<Envelope>>();
  private readonly sequenceById = new Map<string, number>();
  private lastSequence = 0;

  constructor(private readonly capacityPerChannel: number) {}

  append(envelope: Envelope): void {
    let ring = this.rings.get(envelope.channel);
    if (ring === undefined) {
      ring = new RingBuffer<Envelope>(this.capacityPerChannel);
      this.rings.set(envelope.channel, ring);
    }

    const sequence = ++this.lastSequence;
    const evicted = ring.push(envelope, sequence);
    if (evicted !== undefined) {
      this.sequenceById.delete(evicted.message_id);
    }
    this.sequenceById.set(envelope.message_id, sequence);
  }

  /** Messages of a channel currently retained. */
  size(channel: string): number {
    return this.rings.get(channel)?.size ?? 0;
  }

  /** Returns a retained message by id, or undefined. */
  get(messageId: string): Envelope | undefined {
    const sequence = this.sequenceById.get(messageId);
    if (sequence === undefined) {
      return undefined;
    }
    for (const ring of this.rings.values()) {
      const index = ring.indexAfter(sequence - 1);
      if (index < ring.size && ring.sequenceAt(index) === sequence) {
        return ring.at(index);
      }
    }
    return undefined;
  }

  /** Returns true when the message is still retained. */
  contains(messageId: string): boolean {
    return this.sequenceById.has(messageId);
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
    const sequence = this.sequenceById.get(messageId);
    if (sequence === undefined) {
      throw new InvalidHistoryQueryException(
        parameter,
        messageId,
        'the message_id of a message still in history (it may have been evicted)',
      );
    }
    return sequence;
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
