import type { Envelope } from '../envelope/envelope.interface.js';
import { MessageHistory } from '../history/message-history.js';
import type {
  DeadLetter,
  DeadLetterPage,
  NewDeadLetter,
} from '../interfaces/dead-letter.interface.js';
import type { HistoryPage, ResolvedHistoryQuery } from '../interfaces/history-query.interface.js';
import { MemoryDeadLetterStore } from './memory-dead-letter.store.js';
import type { DeliverFunction, EventBusTransport } from './event-bus-transport.interface.js';

/** Carries messages inside one process and keeps a bounded history per channel in memory. */
export class MemoryTransport implements EventBusTransport {
  readonly kind = 'memory';
  private readonly messageHistory: MessageHistory;
  private readonly deadLetterStore: MemoryDeadLetterStore;
  private deliver: DeliverFunction = () => undefined;

  /**
   * @param historyCapacity messages kept per channel
   * @param deadLetterCapacity dead letters kept in all
   */
  constructor(historyCapacity: number, deadLetterCapacity: number) {
    this.messageHistory = new MessageHistory(historyCapacity);
    this.deadLetterStore = new MemoryDeadLetterStore(deadLetterCapacity);
  }

  attach(deliver: DeliverFunction): void {
    this.deliver = deliver;
  }

  isReachable(): Promise<boolean> {
    return Promise.resolve(true);
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  publish(envelope: Envelope): undefined {
    this.messageHistory.append(envelope);
    this.deliver(envelope);
    return undefined;
  }

  history(query: ResolvedHistoryQuery): Promise<HistoryPage> {
    try {
      return Promise.resolve(this.messageHistory.query(query));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  message(messageId: string): Promise<Envelope | undefined> {
    return Promise.resolve(this.messageHistory.get(messageId));
  }

  retained(channel: string): Promise<number> {
    return Promise.resolve(this.messageHistory.size(channel));
  }

  addDeadLetter(letter: NewDeadLetter): Promise<void> {
    this.deadLetterStore.add(letter);
    return Promise.resolve();
  }

  deadLetters(limit: number, before: string | undefined): Promise<DeadLetterPage> {
    return Promise.resolve(this.deadLetterStore.list(limit, before));
  }

  deadLetter(id: string): Promise<DeadLetter | undefined> {
    return Promise.resolve(this.deadLetterStore.get(id));
  }

  deleteDeadLetter(id: string): Promise<void> {
    this.deadLetterStore.delete(id);
    return Promise.resolve();
  }

  drain(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
