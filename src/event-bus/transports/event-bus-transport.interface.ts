import type { Envelope } from '../envelope/envelope.interface.js';
import type {
  DeadLetter,
  DeadLetterPage,
  NewDeadLetter,
} from '../interfaces/dead-letter.interface.js';
import type { HistoryPage, ResolvedHistoryQuery } from '../interfaces/history-query.interface.js';
import type { MessageHandler, Subscription } from '../interfaces/subscription.interface.js';

/** Receives each message this instance must hand to its local subscribers, in order. */
export type DeliverFunction = (envelope: Envelope) => void;

/**
 * Stores and carries messages. The in-memory transport delivers within one process; a remote
 * transport carries messages between instances and keeps a shared history.
 */
export interface EventBusTransport {
  /** The transport's name, as reported by readiness checks. */
  readonly kind: 'memory' | 'redis';

  /** Returns true when the transport can carry messages right now. */
  isReachable(): Promise<boolean>;

  /** Sets where incoming messages go; called once, before any publish. */
  attach(deliver: DeliverFunction): void;

  /** Connects; resolves when the transport can carry messages. */
  start(): Promise<void>;

  /**
   * Stores a validated envelope and carries it to every instance's subscribers.
   * Returns undefined when done synchronously, to spare a promise on the in-memory path.
   */
  publish(envelope: Envelope): Promise<void> | undefined;

  /**
   * Reads one page of history.
   * @throws InvalidHistoryQueryException when a cursor is not in history
   */
  history(query: ResolvedHistoryQuery): Promise<HistoryPage>;

  /** Returns one message from history by id, or undefined when it is not (or no longer) there. */
  message(messageId: string): Promise<Envelope | undefined>;

  /** Messages of a channel currently retained in history. */
  retained(channel: string): Promise<number>;

  /**
   * Subscribes a listener in a consumer group, so each message reaches one instance of the group.
   * Absent on transports with a single instance, where a group listener is a plain subscriber.
   */
  subscribeGroup?(
    channel: string,
    group: string,
    handler: MessageHandler,
    name: string,
  ): Subscription;

  /** Group listeners of a channel on this instance; absent where there are no groups. */
  groupListenerCount?(channel: string): number;

  /** Stores a message that failed every delivery. */
  addDeadLetter(letter: NewDeadLetter): Promise<void>;

  /** Lists dead letters, newest first. */
  deadLetters(limit: number, before: string | undefined): Promise<DeadLetterPage>;

  /** Returns one dead letter, or undefined when there is none with this id. */
  deadLetter(id: string): Promise<DeadLetter | undefined>;

  /** Deletes one dead letter; deleting a missing one does nothing. */
  deleteDeadLetter(id: string): Promise<void>;

  /**
   * Stops reading new messages and waits, up to `deadlineMs`, for running group handlers; what
   * they finish is acknowledged, the rest stays pending for another instance.
   */
  drain(deadlineMs: number): Promise<void>;

  /** Stops carrying messages and releases connections. */
  close(): Promise<void>;
}
