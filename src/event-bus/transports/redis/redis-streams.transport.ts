import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { ListenerFailureReporter } from '../../delivery/listener-failure.reporter.js';
import type { BusMetrics } from '../../metrics/bus-metrics.js';
import { registerRedisGauges } from './redis-gauges.js';
import type { Envelope } from '../../envelope/envelope.interface.js';
import { InvalidHistoryQueryException } from '../../exceptions/invalid-history-query.exception.js';
import { TransportUnavailableException } from '../../exceptions/transport-unavailable.exception.js';
import type {
  DeadLetter,
  DeadLetterPage,
  NewDeadLetter,
} from '../../interfaces/dead-letter.interface.js';
import type {
  HistoryPage,
  ResolvedHistoryQuery,
} from '../../interfaces/history-query.interface.js';
import type { MessageHandler, Subscription } from '../../interfaces/subscription.interface.js';
import type { DeliverFunction, EventBusTransport } from '../event-bus-transport.interface.js';
import { ConsumerGroupReader } from './consumer-group.reader.js';
import { GroupListener } from './group-listener.js';
import { connectWithDeadline, createRedisConnection } from './redis-connection.js';
import { RedisDeadLetterStore } from './redis-dead-letter.store.js';
import { RedisHistoryReader } from './redis-history.reader.js';
import { RedisKeys } from './redis-keys.js';
import type { ResolvedRedisTransportOptions } from './redis-transport.options.js';
import { checkKeyTypes } from './redis-key-types.js';
import { PUBLISH_SCRIPT } from './publish.script.js';
import { StreamBroadcastReader } from './stream-broadcast.reader.js';

/** The command connection with the publish script defined on it. */
type PublishingRedis = Redis & {
  karmaBusPublish(
    stream: string,
    ids: string,
    index: string,
    clock: string,
    maxLen: number,
    messageId: string,
    envelopeJson: string,
  ): Promise<string>;
};

/**
 * Carries messages between instances on Redis Streams: one stream per channel, read by every
 * instance for broadcast listeners and by consumer groups for group listeners.
 *
 * Publishes, acknowledgements and history queries use the command connection; each blocking
 * reader has a connection of its own, so a blocking read never delays them.
 */
export class RedisStreamsTransport implements EventBusTransport {
  readonly kind = 'redis';
  private readonly logger = new Logger('EventBus:Redis');
  private readonly keys: RedisKeys;
  private readonly commands: PublishingRedis;
  private readonly historyReader: RedisHistoryReader;
  private readonly deadLetterStore: RedisDeadLetterStore;
  private readonly groups = new Map<string, ConsumerGroupReader>();
  private broadcast: StreamBroadcastReader | undefined;
  private deliver: DeliverFunction = () => undefined;
  private started = false;

  constructor(
    private readonly options: ResolvedRedisTransportOptions,
    private readonly channels: readonly string[],
    private readonly failures: ListenerFailureReporter,
    private readonly metrics: BusMetrics,
  ) {
    this.keys = new RedisKeys(options.keyPrefix);
    this.commands = createRedisConnection(options.url, 'commands', {
      failFast: true,
    }) as PublishingRedis;
    this.commands.defineCommand('karmaBusPublish', { numberOfKeys: 4, lua: PUBLISH_SCRIPT });
    this.historyReader = new RedisHistoryReader(this.commands, this.keys);
    this.deadLetterStore = new RedisDeadLetterStore(
      this.commands,
      this.keys,
      options.deadLetterMaxLen,
    );
  }

  async isReachable(): Promise<boolean> {
    try {
      return (await this.commands.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  attach(deliver: DeliverFunction): void {
    this.deliver = deliver;
  }

  /**
   * Connects within `connectTimeoutMs`, checks the type of every key, then starts the readers.
   * @throws Error naming the URL when Redis stays unreachable, or naming a key of the wrong type
   */
  async start(): Promise<void> {
    await connectWithDeadline(this.commands, this.options.url, this.options.connectTimeoutMs);
    await checkKeyTypes(this.commands, this.keys, this.channels);
    await Promise.all([...this.groups.values()].map((group) => group.prepare()));

    const streams = this.channels.map((channel) => this.keys.stream(channel));
    const connection = createRedisConnection(this.options.url, 'broadcast', { failFast: false });
    this.broadcast = new StreamBroadcastReader(
      connection,
      streams,
      this.options.blockMs,
      (envelope) => this.deliver(envelope),
      this.logger,
    );
    await this.broadcast.start(this.commands);

    this.started = true;
    this.groups.forEach((group) => group.start());
    registerRedisGauges(this.metrics, this.commands, this.keys, () => this.groupChannels());
    this.logger.log(
      `Connected to Redis; ${streams.length} channel stream(s) under "${this.options.keyPrefix}"`,
    );
  }

  async publish(envelope: Envelope): Promise<void> {
    const channel = envelope.channel;
    const maxLen = this.options.maxLenByChannel[channel] ?? this.options.maxLen;
    try {
      await this.commands.karmaBusPublish(
        this.keys.stream(channel),
        this.keys.ids(channel),
        this.keys.index(channel),
        this.keys.clock(),
        maxLen,
        envelope.message_id,
        JSON.stringify(envelope),
      );
    } catch (error) {
      throw new TransportUnavailableException(`publishing on ${channel}`, error);
    }
  }

  async history(query: ResolvedHistoryQuery): Promise<HistoryPage> {
    try {
      return await this.historyReader.query(query, this.channels);
    } catch (error) {
      if (error instanceof InvalidHistoryQueryException) {
        throw error;
      }
      throw new TransportUnavailableException('reading history', error);
    }
  }

  message(messageId: string): Promise<Envelope | undefined> {
    return this.guard('reading a message', () => this.historyReader.get(messageId, this.channels));
  }

  async retained(channel: string): Promise<number> {
    return this.guard('counting history', () => this.commands.xlen(this.keys.stream(channel)));
  }

  subscribeGroup(
    channel: string,
    group: string,
    handler: MessageHandler,
    name: string,
  ): Subscription {
    let reader = this.groups.get(group);
    if (reader === undefined) {
      const connection = createRedisConnection(this.options.url, `group:${group}`, {
        failFast: false,
      });
      reader = new ConsumerGroupReader(
        group,
        connection,
        this.commands,
        this.keys,
        this.options,
        this.failures,
        this.deadLetterStore,
        this.logger,
      );
      this.groups.set(group, reader);
    }

    const owner = reader;
    const metrics = this.metrics.forListener(channel, name);
    const listener = new GroupListener(channel, group, name, handler, metrics, (closed) =>
      owner.remove(closed),
    );
    reader.add(listener);
    if (this.started) {
      // prepare() sends XGROUP CREATE before returning, so later publishes reach the group.
      reader
        .prepare()
        .catch((error: Error) =>
          this.logger.warn(`Creating group ${group} on ${channel} failed: ${error.message}`),
        );
      reader.start();
    }
    return listener;
  }

  groupListenerCount(channel: string): number {
    let count = 0;
    this.groups.forEach((reader) => (count += reader.listenerCount(channel)));
    return count;
  }

  addDeadLetter(letter: NewDeadLetter): Promise<void> {
    return this.guard('storing a dead letter', () => this.deadLetterStore.add(letter));
  }

  deadLetters(limit: number, before: string | undefined): Promise<DeadLetterPage> {
    return this.guard('listing dead letters', () => this.deadLetterStore.list(limit, before));
  }

  deadLetter(id: string): Promise<DeadLetter | undefined> {
    return this.guard('reading a dead letter', () => this.deadLetterStore.get(id));
  }

  deleteDeadLetter(id: string): Promise<void> {
    return this.guard('deleting a dead letter', () => this.deadLetterStore.delete(id));
  }

  /** Stops the readers at once, without waiting out a blocking read, and lets handlers finish. */
  async drain(deadlineMs: number): Promise<void> {
    this.started = false;
    await this.broadcast?.stop();
    await Promise.all([...this.groups.values()].map((group) => group.stop(deadlineMs)));
  }

  async close(): Promise<void> {
    await this.drain(0);
    if (this.commands.status !== 'end') {
      this.commands.disconnect();
    }
  }

  /** Every (group, channel) pair that has listeners on this instance. */
  private groupChannels(): { group: string; channel: string }[] {
    return [...this.groups.values()].flatMap((reader) =>
      reader.channels().map((channel) => ({ group: reader.group, channel })),
    );
  }

  private async guard<T>(operation: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new TransportUnavailableException(operation, error);
    }
  }
}
