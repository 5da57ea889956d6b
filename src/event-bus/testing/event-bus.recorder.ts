import type {
  AnyChannelEnvelope,
  ChannelMapOf,
  ChannelName,
  EventBusChannels,
} from '../channels/channel-map.interface.js';
import type { Envelope } from '../envelope/envelope.interface.js';
import type { EventBusService } from '../event-bus.service.js';
import type { Subscription } from '../interfaces/subscription.interface.js';
import { MessageWaitTimeoutError } from './message-wait-timeout.error.js';

/** How long `waitFor()` waits when no timeout is given. */
export const DEFAULT_WAIT_TIMEOUT_MS = 1000;

/** The envelope type of channel `C` of the map a bus is typed with. */
type EnvelopeOf<M, C extends keyof ChannelMapOf<M>> = Envelope<C & string, ChannelMapOf<M>[C]>;

interface Waiter {
  channel: string;
  matches: (envelope: Envelope) => boolean;
  resolve: (envelope: Envelope) => void;
  reject: (error: unknown) => void;
}

/**
 * Records every message a bus delivers, in delivery order, through one `subscribeAll`
 * subscription, and lets tests wait for a message. While attached it counts as one subscriber
 * of every channel in `EventBusService.channels()`.
 */
export class EventBusRecorder<M extends object = EventBusChannels> {
  private readonly messages: Envelope[] = [];
  private readonly waiters = new Set<Waiter>();
  private subscription: Subscription | undefined;

  /** Starts recording. Attach before `init()` to also record messages published at start-up. */
  attach(bus: EventBusService<M>): this {
    this.subscription?.unsubscribe();
    this.subscription = bus.subscribeAll((envelope) => this.record(envelope), {
      name: 'EventBusRecorder',
    });
    return this;
  }

  /** Stops recording and rejects every pending `waitFor()`. The recorded messages stay. */
  detach(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    for (const waiter of [...this.waiters]) {
      waiter.reject(
        new Error(`The recorder was detached while waiting for a message on ${waiter.channel}`),
      );
    }
  }

  /** Returns the recorded messages of every channel, oldest first. */
  list(): AnyChannelEnvelope<ChannelMapOf<M>>[] {
    return [...this.messages] as AnyChannelEnvelope<ChannelMapOf<M>>[];
  }

  /** Returns the recorded messages of one channel, oldest first. */
  byChannel<C extends ChannelName<ChannelMapOf<M>>>(channel: C): EnvelopeOf<M, C>[] {
    return this.messages.filter((envelope) => envelope.channel === channel) as EnvelopeOf<M, C>[];
  }

  /** Forgets the recorded messages. Pending `waitFor()` calls keep waiting. */
  clear(): void {
    this.messages.length = 0;
  }

  /**
   * Resolves with the first message of `channel` that matches `predicate`: the oldest recorded
   * one, or else the next one delivered.
   * @param predicate a condition on the message; every message of the channel matches without it
   * @param timeoutMs how long to wait for a message delivered later
   * @throws MessageWaitTimeoutError (as a rejection) when none matched within `timeoutMs`
   * @throws RangeError (as a rejection) when `timeoutMs` is not a non-negative integer
   */
  waitFor<C extends ChannelName<ChannelMapOf<M>>>(
    channel: C,
    predicate: (envelope: EnvelopeOf<M, C>) => boolean = () => true,
    timeoutMs: number = DEFAULT_WAIT_TIMEOUT_MS,
  ): Promise<EnvelopeOf<M, C>> {
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(
        new RangeError(`Invalid timeoutMs=${timeoutMs}; allowed: an integer of at least 0.`),
      );
    }

    const matches = (envelope: Envelope) =>
      envelope.channel === channel && predicate(envelope as EnvelopeOf<M, C>);
    try {
      const recorded = this.messages.find(matches);
      if (recorded !== undefined) {
        return Promise.resolve(recorded as EnvelopeOf<M, C>);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.waitForNext(channel, matches, timeoutMs) as Promise<EnvelopeOf<M, C>>;
  }

  private waitForNext(
    channel: string,
    matches: (envelope: Envelope) => boolean,
    timeoutMs: number,
  ): Promise<Envelope> {
    return new Promise<Envelope>((resolve, reject) => {
      const timer = setTimeout(
        () => waiter.reject(new MessageWaitTimeoutError(channel, timeoutMs, this.counts())),
        timeoutMs,
      );
      const settle = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter: Waiter = {
        channel,
        matches,
        resolve: (envelope) => {
          settle();
          resolve(envelope);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      this.waiters.add(waiter);
    });
  }

  private record(envelope: Envelope): void {
    this.messages.push(envelope);
    for (const waiter of [...this.waiters]) {
      try {
        if (waiter.matches(envelope)) {
          waiter.resolve(envelope);
        }
      } catch (error) {
        waiter.reject(error);
      }
    }
  }

  private counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const envelope of this.messages) {
      counts[envelope.channel] = (counts[envelope.channel] ?? 0) + 1;
    }
    return counts;
  }
}
