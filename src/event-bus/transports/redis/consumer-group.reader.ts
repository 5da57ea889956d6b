import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ListenerFailureReporter } from '../../delivery/listener-failure.reporter.js';
import { GroupDeliveries } from './group-deliveries.js';
import type { GroupListener } from './group-listener.js';
import { reconnectDelayMs } from './redis-connection.js';
import type { RedisDeadLetterStore } from './redis-dead-letter.store.js';
import type { RedisKeys } from './redis-keys.js';
import type { ResolvedRedisTransportOptions } from './redis-transport.options.js';
import type { RawStreamEntry } from './stream-entries.js';
import { untilAborted } from './until-aborted.js';

type XReadReply = [key: string, entries: RawStreamEntry[]][] | null;

/** Entries read per stream and call. */
const READ_COUNT = 100;

/**
 * Reads the channels of one consumer group on its own blocking connection, creates the group on
 * each stream, and hands the entries to `GroupDeliveries`.
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
  /** Per channel, the id after which this consumer's own pending entries are still to be read. */
  private readonly backlog = new Map<string, string>();
  private readonly deliveries: GroupDeliveries;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private reclaimTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly group: string,
    private readonly connection: Redis,
    private readonly commands: Redis,
    private readonly keys: RedisKeys,
    private readonly options: ResolvedRedisTransportOptions,
    failures: ListenerFailureReporter,
    deadLetters: RedisDeadLetterStore,
    private readonly logger: Logger,
  ) {
    this.deliveries = new GroupDeliveries(
      group,
      (channel) => this.listeners.get(channel) ?? [],
      commands,
      keys,
      options,
      failures,
      deadLetters,
      logger,
    );
  }

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
    this.reclaimTimer = setInterval(
      () => void this.deliveries.reclaim(this.createdGroups),
      reclaimEveryMs,
    );
  }

  /** Stops reading at once and waits, up to `graceMs`, for running handlers. */
  async stop(graceMs: number): Promise<void> {
    if (this.abort.signal.aborted) {
      return;
    }
    this.abort.abort();
    clearInterval(this.reclaimTimer);
    // Before awaiting the loop, which may be running a slow listener: no retry may start meanwhile.
    this.deliveries.halt();
    this.connection.disconnect();
    await this.loop;
    await this.deliveries.settle(graceMs);
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
      const deliveries = fromBacklog
        ? await this.deliveries.deliveryCounts(channel, entries)
        : undefined;
      for (const [entryId, fields] of entries) {
        if (fields === null) {
          await this.deliveries.acknowledge(channel, entryId);
          continue;
        }
        await this.deliveries.track(channel, entryId, fields, deliveries?.get(entryId) ?? 1);
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

  private channelOfKey(key: string): string {
    for (const channel of this.listeners.keys()) {
      if (this.keys.stream(channel) === key) {
        return channel;
      }
    }
    throw new Error(`Read an entry of unexpected stream ${key}`);
  }
}
