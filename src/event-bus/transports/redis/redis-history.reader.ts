import type { Redis } from 'ioredis';
import type { Envelope } from '../../envelope/envelope.interface.js';
import { InvalidHistoryQueryException } from '../../exceptions/invalid-history-query.exception.js';
import type {
  HistoryPage,
  ResolvedHistoryQuery,
} from '../../interfaces/history-query.interface.js';
import type { RedisKeys } from './redis-keys.js';
import { compareEntryIds, envelopeOf, type RawStreamEntry } from './stream-entries.js';

/** A message_id cursor resolved to its place in the streams. */
interface StreamPosition {
  channel: string;
  entryId: string;
}

interface HistoryEntry extends StreamPosition {
  envelope: Envelope;
}

/**
 * Reads history from the channel streams, so every instance reads the same messages, also after a
 * restart. Entry ids are unique and ordered across channels (see the publish script), so they
 * give the same total order on every instance.
 */
export class RedisHistoryReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async query(query: ResolvedHistoryQuery, allChannels: readonly string[]): Promise<HistoryPage> {
    const after = await this.resolveCursor('after', query.after, allChannels);
    const before = await this.resolveCursor('before', query.before, allChannels);

    const pipeline = this.redis.pipeline();
    for (const channel of query.channels) {
      const low = after === undefined ? '-' : lowerBound(after);
      const high = before === undefined ? '+' : upperBound(before);
      if (query.order === 'asc') {
        pipeline.xrange(this.keys.stream(channel), low, high, 'COUNT', query.limit + 1);
      } else {
        pipeline.xrevrange(this.keys.stream(channel), high, low, 'COUNT', query.limit + 1);
      }
    }
    const replies = (await pipeline.exec()) ?? [];

    const entries: HistoryEntry[] = [];
    replies.forEach(([error, reply], index) => {
      if (error) {
        throw error;
      }
      for (const [entryId, fields] of reply as RawStreamEntry[]) {
        const envelope = envelopeOf(fields);
        if (envelope !== undefined) {
          entries.push({ channel: query.channels[index], entryId, envelope });
        }
      }
    });

    const direction = query.order === 'asc' ? 1 : -1;
    entries.sort((a, b) => direction * comparePositions(a, b));
    const items = entries.slice(0, query.limit).map((entry) => entry.envelope);
    const hasMore = entries.length > query.limit;
    return { items, next_cursor: hasMore ? items[items.length - 1].message_id : null };
  }

  /** Returns one message by id, or undefined when no stream has it. */
  async get(messageId: string, channels: readonly string[]): Promise<Envelope | undefined> {
    const position = await this.locate(messageId, channels);
    if (position === undefined) {
      return undefined;
    }
    const [entry] = (await this.redis.xrange(
      this.keys.stream(position.channel),
      position.entryId,
      position.entryId,
    )) as RawStreamEntry[];
    return entry === undefined ? undefined : envelopeOf(entry[1]);
  }

  private async locate(
    messageId: string,
    channels: readonly string[],
  ): Promise<StreamPosition | undefined> {
    const pipeline = this.redis.pipeline();
    for (const channel of channels) {
      pipeline.hget(this.keys.index(channel), messageId);
    }
    const replies = (await pipeline.exec()) ?? [];
    for (let i = 0; i < replies.length; i++) {
      const [error, entryId] = replies[i];
      if (error) {
        throw error;
      }
      if (typeof entryId === 'string') {
        return { channel: channels[i], entryId };
      }
    }
    return undefined;
  }

  /** Looks a message_id up in every channel's id index. */
  private async resolveCursor(
    parameter: string,
    messageId: string | undefined,
    channels: readonly string[],
  ): Promise<StreamPosition | undefined> {
    if (messageId === undefined) {
      return undefined;
    }

    const position = await this.locate(messageId, channels);
    if (position !== undefined) {
      return position;
    }
    throw new InvalidHistoryQueryException(
      parameter,
      messageId,
      'the message_id of a message still in history (it may have been trimmed)',
    );
  }
}

function comparePositions(a: StreamPosition, b: StreamPosition): number {
  return compareEntryIds(a.entryId, b.entryId);
}

/** The XRANGE start that keeps only entries after the cursor; entry ids are unique across streams. */
function lowerBound(cursor: StreamPosition): string {
  return `(${cursor.entryId}`;
}

/** The XRANGE end that keeps only entries before the cursor. */
function upperBound(cursor: StreamPosition): string {
  return `(${cursor.entryId}`;
}
