import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ListenerFailureReporter } from '../../delivery/listener-failure.reporter.js';
import type { Envelope } from '../../envelope/envelope.interface.js';
import type { GroupListener } from './group-listener.js';
import { reconnectDelayMs } from './redis-connection.js';
import type { RedisDeadLetterStore } from './redis-dead-letter.store.js';
import type { RedisKeys } from './redis-keys.js';
import type { ResolvedRedisTransportOptions } from './redis-transport.options.js';
import { retryDelayMs } from '../../delivery/retry-backoff.js';
import { envelopeOf, type RawStreamEntry } from './stream-entries.js';
import { untilAborted } from './until-aborted.js';

type XReadReply = [key: string, entries: RawStreamEntry[]][] | null;

/** Entries read per stream and call. */
const READ_COUNT = 100;

/**
 * Reads the channels of one consumer group on its own blocking connection.
 *
 * Each message is handled by one instance of the group, at least once: it is acknowledged only
 * after every local listener of its channel succeeded; a failure is retried with backoff, a
 * message left pending by a stopped consumer is reclaimed after `claimIdleMs`, and after
 * `maxDeliveries` deliveries the message moves to the dead-letter stream.
 */
export class ConsumerGroupReader {
  private readonly listeners = new Map<string, GroupListener[]>();
  private readonly createdGroups = new Set<string>();
  private readonly creations = new Map<string, Promise<void>>();
  private connected = false;
  /** Start id of groups created from now on: `$` at first, `0` once a stream was deleted. */
  private groupStartId = '$';
  private readonly reclaimCursors = new Map<string, string>();
  /** Per channel, the id after which this consumer's own pending entries are still to be read. */
  private readonly backlog = new Map<string, string>();
  private readonly processing = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private reclaimTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly group: string,
    private readonly connection: Redis,
    private readonly commands: Redis,
    private readonly keys: RedisKeys,
    private readonly options: ResolvedRedisTransportOptions,
    private readonly failures: ListenerFailureReporter,
    private readonly deadLetters: RedisDeadLetterStore,
    private readonly logger: Logger,
  ) {}

  add(listener: GroupListener): void {
    this.listeners.set(listener.channel, [
      ...(this.listeners.get(listener.channel) ?? []),
      listener,
    ]);
    if (this.connected) {
      this.createGroup(listener.channel).catch((error: Error) =>
        this.logger.warn(
          `Creating group ${this.group} on ${listener.channel} failed: ${error.message}`,
        ),
      );
    }
  }

  /**
   * Creates the group on every stream with listeners, sending the commands before it returns;
   * called once the command connection is up.
   */
  prepare(): Promise<string[]> {
    this.connected = true;
    return this.ensureGroups();
  }

  remove(listener: GroupListener): void {
    const remaining = (this.listeners.get(listener.channel) ?? []).filter((l) => l !== listener);
    this.listeners.set(listener.channel, remaining);
  }

  /** Active listeners of a channel in this group on this instance. */
  listenerCount(channel: string): number {
    return (this.listeners.get(channel) ?? []).filter((listener) => listener.active).length;
  }

  /** Channels that have listeners in this group on this instance. */
  channels(): string[] {
    return [...this.listeners.entries()]
      .filter(([, listeners]) => listeners.length > 0)
      .map(([channel]) => channel);
  }

  start(): void {
    if (this.loop !== undefined) {
      return;
    }
    this.loop = this.run();
    const reclaimEveryMs = Math.max(50, Math.floor(this.options.claimIdleMs / 2));
    this.reclaimTimer = setInterval(() => void this.reclaim(), reclaimEveryMs);
  }

  /** Stops reading at once and waits, up to `graceMs`, for running handlers. */
  async stop(graceMs: number): Promise<void> {
    if (this.abort.signal.aborted) {
      return;
    }
    this.abort.abort();
    clearInterval(this.reclaimTimer);
    this.retryTimers.forEach((timer) => clearTimeout(timer));
    this.connection.disconnect();
    await this.loop;
    await Promise.race([Promise.all(this.running), sleep(graceMs, undefined, { ref: false })]);
  }

  private async run(): Promise<void> {
    let failures = 0;
    await this.connection.connect().catch(() => undefined);
    while (!this.abort.signal.aborted) {
      try {
        const channels = await this.ensureGroups();
        const reply = await untilAborted(this.read(channels), this.abort.signal);
        if (failures > 0) {
          this.logger.log(`Group ${this.group} reader resumed after ${failures} failed read(s)`);
          failures = 0;
        }
        await this.processReply(reply);
      } catch (error) {
        if (this.abort.signal.aborted) {
          return;
        }
        failures++;
        this.onReadError(error as Error, failures);
        await sleep(reconnectDelayMs(failures), undefined, { signal: this.abort.signal }).catch(
          () => undefined,
        );
      }
    }
  }

  /**
   * Reads new entries (`>`), except on streams where this consumer still has entries pending
   * from before a restart: those are read by id first, so nothing unacknowledged is lost.
   */
  private read(channels: string[]): Promise<XReadReply> {
    const keys = channels.map((channel) => this.keys.stream(channel));
    const positions = channels.map((channel) => this.backlog.get(channel) ?? '>');
    return this.connection.call(
      'XREADGROUP',
      'GROUP',
      this.group,
      this.options.consumerName,
      'COUNT',
      READ_COUNT,
      'BLOCK',
      this.options.blockMs,
      'STREAMS',
      ...keys,
      ...positions,
    ) as Promise<XReadReply>;
  }

  private onReadError(error: Error, failures: number): void {
    if (error.message.includes('NOGROUP')) {
      // The stream or its group was deleted while running: create both again and go on.
      this.logger.warn(`Group ${this.group} is missing on a stream; creating it again`);
      this.createdGroups.clear();
      this.creations.clear();
      this.groupStartId = '0';
      this.backlog.clear();
      return;
    }
    if (failures === 1) {
      this.logger.warn(`Group ${this.group} read failed: ${error.message}; retrying`);
    }
  }

  /**
   * Creates the group on every stream that has listeners (or waits for creations in flight);
   * an existing group is not an error.
   */
  private async ensureGroups(): Promise<string[]> {
    const channels = [...this.listeners.keys()];
    await Promise.all(channels.map((channel) => this.createGroup(channel)));
    return channels;
  }

  /**
   * Sends `XGROUP CREATE` at once on the command connection. Redis runs one connection's
   * commands in order, so a publish sent after this call is seen by the group.
   */
  private createGroup(channel: string): Promise<void> {
    let creation = this.creations.get(channel);
    if (creation !== undefined) {
      return creation;
    }

    // A new group handles messages published from now on ('$'). A group lost with its stream
    // starts at the beginning of the new stream ('0'), whose entries were all published since.
    const command = this.commands.xgroup(
      'CREATE',
      this.keys.stream(channel),
      this.group,
      this.groupStartId,
      'MKSTREAM',
    );
    creation = command.then(
      () => this.onGroupReady(channel),
      (error: Error) => {
        if (error.message.startsWith('BUSYGROUP')) {
          this.onGroupReady(channel);
          return;
        }
        this.creations.delete(channel);
        throw error;
      },
    );
    this.creations.set(channel, creation);
    return creation;
  }

  private onGroupReady(channel: string): void {
    this.createdGroups.add(channel);
    this.backlog.set(channel, '0');
  }

  private async processReply(reply: XReadReply): Promise<void> {
    for (const [key, entries] of reply ?? []) {
      const channel = this.channelOfKey(key);
      const fromBacklog = this.backlog.has(channel);
      if (fromBacklog) {
        this.updateBacklog(channel, entries);
      }
      const deliveries = fromBacklog ? await this.deliveryCounts(channel, entries) : undefined;
      for (const [entryId, fields] of entries) {
        if (fields === null) {
          await this.acknowledge(channel, entryId);
          continue;
        }
        await this.track(channel, entryId, fields, deliveries?.get(entryId) ?? 1);
      }
    }
  }

  private updateBacklog(channel: string, entries: RawStreamEntry[]): void {
    const last = entries[entries.length - 1];
    if (last === undefined) {
      this.backlog.delete(channel);
    } else {
      this.backlog.set(channel, last[0]);
    }
  }

  private async track(
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
    const listeners = (this.listeners.get(channel) ?? []).filter((listener) => listener.active);
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
    const delay = retryDelayMs(deliveries, this.options.retryBaseMs, this.options.retryMaxMs);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      void this.retry(channel, entryId, deliveries + 1);
    }, delay);
    this.retryTimers.add(timer);
  }

  /** Claims the entry again, which counts a delivery in Redis, then runs the listeners again. */
  private async retry(channel: string, entryId: string, deliveries: number): Promise<void> {
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

  private async acknowledge(channel: string, entryId: string): Promise<void> {
    await this.commands.xack(this.keys.stream(channel), this.group, entryId);
  }

  /** Takes over entries idle longer than `claimIdleMs`, carrying each stream's cursor forward. */
  private async reclaim(): Promise<void> {
    for (const channel of this.createdGroups) {
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
      READ_COUNT,
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
  private async deliveryCounts(
    channel: string,
    entries: RawStreamEntry[],
  ): Promise<Map<string, number>> {
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

  private channelOfKey(key: string): string {
    for (const channel of this.listeners.keys()) {
      if (this.keys.stream(channel) === key) {
        return channel;
      }
    }
    throw new Error(`Read an entry of unexpected stream ${key}`);
  }
}
