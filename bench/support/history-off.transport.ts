import type { Envelope } from '../../src/event-bus/envelope/envelope.interface.js';
import type {
  DeadLetter,
  DeadLetterPage,
  NewDeadLetter,
} from '../../src/event-bus/interfaces/dead-letter.interface.js';
import type {
  HistoryPage,
  ResolvedHistoryQuery,
} from '../../src/event-bus/interfaces/history-query.interface.js';
import type {
  DeliverFunction,
  EventBusTransport,
} from '../../src/event-bus/transports/event-bus-transport.interface.js';
import { MemoryTransport } from '../../src/event-bus/transports/memory.transport.js';

/**
 * The in-memory transport minus history: `publish` delivers without storing. The bus has no
 * option to turn history off, so the P4 row swaps this in (through Nest's testing module) to
 * measure what storing costs. Everything else goes to a real `MemoryTransport`, which stays empty.
 */
export class HistoryOffTransport implements EventBusTransport {
  readonly kind = 'memory';
  private readonly inner = new MemoryTransport(1, 1);
  private deliver: DeliverFunction = () => undefined;

  attach(deliver: DeliverFunction): void {
    this.deliver = deliver;
    this.inner.attach(deliver);
  }

  publish(envelope: Envelope): undefined {
    this.deliver(envelope);
    return undefined;
  }

  isReachable(): Promise<boolean> {
    return this.inner.isReachable();
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  history(query: ResolvedHistoryQuery): Promise<HistoryPage> {
    return this.inner.history(query);
  }

  message(messageId: string): Promise<Envelope | undefined> {
    return this.inner.message(messageId);
  }

  retained(channel: string): Promise<number> {
    return this.inner.retained(channel);
  }

  addDeadLetter(letter: NewDeadLetter): Promise<void> {
    return this.inner.addDeadLetter(letter);
  }

  deadLetters(limit: number, before: string | undefined): Promise<DeadLetterPage> {
    return this.inner.deadLetters(limit, before);
  }

  deadLetter(id: string): Promise<DeadLetter | undefined> {
    return this.inner.deadLetter(id);
  }

  deleteDeadLetter(id: string): Promise<void> {
    return this.inner.deleteDeadLetter(id);
  }

  drain(): Promise<void> {
    return this.inner.drain();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
