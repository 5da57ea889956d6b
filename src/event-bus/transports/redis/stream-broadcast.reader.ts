import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliverFunction } from '../event-bus-transport.interface.js';
import { reconnectDelayMs } from './redis-connection.js';
import { envelopeOf, type RawStreamEntry } from './stream-entries.js';
import { untilAborted } from './until-aborted.js';

/** Entries read per stream and call. */
const READ_COUNT = 500;

type XReadReply = [key: string, entries: RawStreamEntry[]][] | null;

/**
 * Reads every channel stream on its own blocking connection and hands each message to local
 * subscribers, starting from the last entry present when the instance started.
 *
 * The read position is always an explicit entry id (never `$` after start), so after a lost
 * connection the reader resumes right after the last entry it delivered and skips nothing.
 */
export class StreamBroadcastReader {
  private readonly abort = new AbortController();
  private readonly lastIds: string[] = [];
  private loop: Promise<void> | undefined;

  constructor(
    private readonly connection: Redis,
    private readonly keys: readonly string[],
    private readonly blockMs: number,
    private readonly deliver: DeliverFunction,
    private readonly logger: Logger,
  ) {}

  /** Notes the current end of every stream, then starts reading after it. */
  async start(commands: Redis): Promise<void> {
    const pipeline = commands.pipeline();
    for (const key of this.keys) {
      pipeline.xrevrange(key, '+', '-', 'COUNT', 1);
    }
    const replies = (await pipeline.exec()) ?? [];
    replies.forEach(([error, reply], index) => {
      if (error) {
        throw error;
      }
      const [last] = reply as RawStreamEntry[];
      this.lastIds[index] = last === undefined ? '0-0' : last[0];
    });

    await this.connection.connect();
    this.loop = this.run();
  }

  /** Stops reading at once, without waiting for the blocking read to time out. */
  async stop(): Promise<void> {
    if (this.abort.signal.aborted) {
      return;
    }
    this.abort.abort();
    this.connection.disconnect();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.abort.signal.aborted) {
      try {
        const read = this.connection.call(
          'XREAD',
          'COUNT',
          READ_COUNT,
          'BLOCK',
          this.blockMs,
          'STREAMS',
          ...this.keys,
          ...this.lastIds,
        ) as Promise<XReadReply>;
        const reply = await untilAborted(read, this.abort.signal);
        if (failures > 0) {
          this.logger.log(`Broadcast reader resumed after ${failures} failed read(s)`);
          failures = 0;
        }
        this.deliverReply(reply);
      } catch (error) {
        if (this.abort.signal.aborted) {
          return;
        }
        failures++;
        if (failures === 1) {
          this.logger.warn(`Broadcast read failed: ${(error as Error).message}; retrying`);
        }
        await sleep(reconnectDelayMs(failures), undefined, { signal: this.abort.signal }).catch(
          () => undefined,
        );
      }
    }
  }

  private deliverReply(reply: XReadReply): void {
    for (const [key, entries] of reply ?? []) {
      const index = this.keys.indexOf(key);
      for (const [entryId, fields] of entries) {
        this.lastIds[index] = entryId;
        try {
          const envelope = envelopeOf(fields);
          if (envelope !== undefined) {
            this.deliver(envelope);
          }
        } catch (error) {
          this.logger.error(
            `Skipped unreadable entry ${entryId} of ${key}: ${(error as Error).message}`,
          );
        }
      }
    }
  }
}
