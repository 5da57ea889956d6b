import type { Envelope } from '../envelope/envelope.interface.js';
import { MessageHistory } from '../history/message-history.js';
import type { HistoryPage, ResolvedHistoryQuery } from '../interfaces/history-query.interface.js';
import type { DeliverFunction, EventBusTransport } from './event-bus-transport.interface.js';

/** Carries messages inside one process and keeps a bounded history per channel in memory. */
export class MemoryTransport implements EventBusTransport {
  private readonly messageHistory: MessageHistory;
  private deliver: DeliverFunction = () => undefined;

  constructor(historyCapacity: number) {
    this.messageHistory = new MessageHistory(historyCapacity);
  }

  attach(deliver: DeliverFunction): void {
    this.deliver = deliver;
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

  retained(channel: string): Promise<number> {
    return Promise.resolve(this.messageHistory.size(channel));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
