import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ListenerFailureReporter } from '../../delivery/listener-failure.reporter.js';
import { retryDelayMs } from '../../delivery/retry-backoff.js';
import type { Envelope } from '../../envelope/envelope.interface.js';
import type { GroupListener } from './group-listener.js';
import type { RedisDeadLetterStore } from './redis-dead-letter.store.js';
import type { RedisKeys } from './redis-keys.js';
import type { ResolvedRedisTransportOptions } from './redis-transport.options.js';
import { envelopeOf, type RawStreamEntry } from './stream-entries.js';

/** Entries claimed per stream and reclaim pass. */
const RECLAIM_COUNT = 100;

/**
 * Runs the local listeners of a consumer group on its entries, then acknowledges each entry,
 * retries it with backoff or moves it to the dead letters. Also takes over entries that another
 * consumer left pending for longer than `claimIdleMs`.
 */
export class GroupDeliveries {
  private readonly reclaimCursors = new Map<string, string>();
  private readonly processing = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private halted = false;

  constructor(
    private readonly group: string,
    private readonly listenersOf: (channel: string) => readonly GroupListener[],
    private readonly commands: Redis,
    private readonly keys: RedisKeys,
    private readonly options: ResolvedRedisTransportOptions,
    private readonly failures: ListenerFailureReporter,
    private readonly deadLetters: RedisDeadLetterStore,
    private readonly logger: Logger,
  ) {}

  /**
   * Cancels scheduled retries and stops scheduling, retrying and reclaiming. An entry whose
   * retry is cancelled stays pending, so another consumer of the group reclaims it.
   */
  halt(): void {
    this.halted = true;
    this.retryTimers.forEach((timer) => clearTimeout(timer));
    this.retryTimers.clear();
  }

  /** Waits, up to `graceMs`, for the listeners still running. */
  async settle(graceMs: number): Promise<void> {
    await Promise.race([Promise.all(this.running), sleep(graceMs, undefined, { ref: false })]);
  }

  /** Runs the listeners on an entry unless it is already running here. */
  async track(
    channel: string,
    entryId: string,
    fields: string[],
    deliveries: number,
  ): Promise<void> {
    if (this.processing.has(entryId)) {
      return;
    }
    this.processing.add(entryId);
    const run = this.process(channel, entryId, fields, deliveries).finally(() => {
      this.processing.delete(entryId);
      this.running.delete(run);
    });
    this.running.add(run);
    await run;
  }

  private async process(
    channel: string,
    entryId: string,
    fields: string[],
    deliveries: number,
  ): Promise<void> {
    const envelope = envelopeOf(fields) as Envelope;
    const listeners = this.listenersOf(channel).filter((listener) => listener.active);
    if (listeners.length === 0) {
      return;
    }

    let failure: { listener: GroupListener; error: unknown } | undefined;
    for (const listener of listeners) {
      listener.metrics.delivered();
      const started = performance.now();
      try {
        await listener.handler(envelope);
      } catch (error) {
        listener.metrics.failed();
        this.failures.report(listener.name, envelope, error);
        failure ??= { listener, error };
      }
      listener.metrics.observeDuration((performance.now() - started) / 1000);
    }

    if (failure === undefined) {
      await this.acknowledge(channel, entryId);
    } else if (deliveries >= this.options.maxDeliveries) {
      failure.listener.metrics.deadLettered();
      await this.deadLetter(channel, entryId, envelope, failure, deliveries);
    } else {
      failure.listener.metrics.retried();
      this.scheduleRetry(channel, entryId, deliveries);
    }
  }

  private scheduleRetry(channel: string, entryId: string, deliveries: number): void {
    if (this.halted) {
      return;
    }
    const delay = retryDelayMs(deliveries, this.options.retryBaseMs, this.options.retryMaxMs);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      void this.retry(channel, entryId, deliveries + 1);
    }, delay);
    this.retryTimers.add(timer);
  }

  /** Claims the entry again, which counts a delivery in Redis, then runs the listeners again. */
  private async retry(channel: string, entryId: string, deliveries: number): Promise<void> {
    if (this.halted) {
      return;
    }
    try {
      const claimed = (await this.commands.xclaim(
        this.keys.stream(channel),
        this.group,
        this.options.consumerName,
        0,
        entryId,
      )) as RawStreamEntry[];
      const [entry] = claimed;
      if (entry?.[1]) {
        await this.track(channel, entryId, entry[1], deliveries);
      }
    } catch (error) {
      // The entry stays pending, so the reclaim pass delivers it again later.
      this.logger.warn(`Retry of ${channel} entry ${entryId} failed: ${(error as Error).message}`);
    }
  }

  private async deadLetter(
    channel: string,
    entryId: string,
    envelope: Envelope,
    failure: { listener: GroupListener; error: unknown },
    deliveries: number,
  ): Promise<void> {
    const error = failure.error instanceof Error ? failure.error.message : String(failure.error);
    await this.deadLetters.add({
      envelope,
      error,
      listener: failure.listener.name,
      group: this.group,
      attempts: deliveries,
      failed_at: new Date().toISOString(),
    });
    await this.acknowledge(channel, entryId);
    this.logger.error(
      `Moved ${channel} message ${envelope.message_id} to dead letters after ${deliveries} ` +
        `deliveries to ${failure.listener.name}: ${error}`,
    );
  }

  async acknowledge(channel: string, entryId: string): Promise<void> {
    await this.commands.xack(this.keys.stream(channel), this.group, entryId);
  }

  /** Takes over entries idle longer than `claimIdleMs`, carrying each stream's cursor forward. */
  async reclaim(channels: Iterable<string>): Promise<void> {
    for (const channel of channels) {
      if (this.halted) {
        return;
      }
      try {
        await this.reclaimChannel(channel);
      } catch (error) {
        this.logger.warn(`Reclaim on ${channel} failed: ${(error as Error).message}`);
      }
    }
  }

  private async reclaimChannel(channel: string): Promise<void> {
    const [nextCursor, entries] = (await this.commands.xautoclaim(
      this.keys.stream(channel),
      this.group,
      this.options.consumerName,
      this.options.claimIdleMs,
      this.reclaimCursors.get(channel) ?? '0-0',
      'COUNT',
      RECLAIM_COUNT,
    )) as [string, RawStreamEntry[]];
    this.reclaimCursors.set(channel, nextCursor);

    const fresh = entries.filter(([entryId]) => !this.processing.has(entryId));
    if (fresh.length === 0) {
      return;
    }
    this.logger.warn(
      `Reclaimed ${fresh.length} idle ${channel} message(s) for group ${this.group}`,
    );
    const deliveries = await this.deliveryCounts(channel, fresh);
    for (const [entryId, fields] of fresh) {
      if (fields !== null) {
        this.track(channel, entryId, fields, deliveries.get(entryId) ?? 1).catch((error: Error) =>
          this.logger.warn(`Reclaimed ${channel} entry ${entryId} failed: ${error.message}`),
        );
      }
    }
  }

  /** Reads how often Redis has delivered each entry. */
  async deliveryCounts(channel: string, entries: RawStreamEntry[]): Promise<Map<string, number>> {
    const pipeline = this.commands.pipeline();
    for (const [entryId] of entries) {
      pipeline.xpending(this.keys.stream(channel), this.group, entryId, entryId, 1);
    }
    const replies = (await pipeline.exec()) ?? [];
    const counts = new Map<string, number>();
    for (const [error, reply] of replies) {
      const [row] = (error ? [] : reply) as [string, string, number, number][];
      if (row !== undefined) {
        counts.set(row[0], Number(row[3]));
      }
    }
    return counts;
  }
}
