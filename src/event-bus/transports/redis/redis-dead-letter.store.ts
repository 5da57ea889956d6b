import type { Redis } from 'ioredis';
import type {
  DeadLetter,
  DeadLetterPage,
  NewDeadLetter,
} from '../../interfaces/dead-letter.interface.js';
import type { RedisKeys } from './redis-keys.js';
import { envelopeOf, fieldOf, type RawStreamEntry } from './stream-entries.js';

/** Keeps dead letters in one Redis stream, trimmed to an approximate length. */
export class RedisDeadLetterStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly maxLen: number,
  ) {}

  async add(letter: NewDeadLetter): Promise<void> {
    await this.redis.xadd(
      this.keys.deadLetters(),
      'MAXLEN',
      '~',
      this.maxLen,
      '*',
      'envelope',
      JSON.stringify(letter.envelope),
      'error',
      letter.error,
      'listener',
      letter.listener,
      'group',
      letter.group ?? '',
      'attempts',
      String(letter.attempts),
      'failed_at',
      letter.failed_at,
    );
  }

  async list(limit: number, before: string | undefined): Promise<DeadLetterPage> {
    const high = before === undefined ? '+' : `(${before}`;
    const entries = (await this.redis.xrevrange(
      this.keys.deadLetters(),
      high,
      '-',
      'COUNT',
      limit + 1,
    )) as RawStreamEntry[];

    const items = entries.slice(0, limit).map(toDeadLetter);
    const hasMore = entries.length > limit;
    return { items, next_cursor: hasMore ? items[items.length - 1].dead_letter_id : null };
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    const [entry] = (await this.redis.xrange(this.keys.deadLetters(), id, id)) as RawStreamEntry[];
    return entry === undefined ? undefined : toDeadLetter(entry);
  }

  async delete(id: string): Promise<void> {
    await this.redis.xdel(this.keys.deadLetters(), id);
  }
}

function toDeadLetter([id, fields]: RawStreamEntry): DeadLetter {
  const group = fieldOf(fields, 'group') ?? '';
  return {
    dead_letter_id: id,
    envelope: envelopeOf(fields) as DeadLetter['envelope'],
    error: fieldOf(fields, 'error') ?? '',
    listener: fieldOf(fields, 'listener') ?? '',
    group: group === '' ? null : group,
    attempts: Number(fieldOf(fields, 'attempts') ?? 0),
    failed_at: fieldOf(fields, 'failed_at') ?? '',
  };
}
