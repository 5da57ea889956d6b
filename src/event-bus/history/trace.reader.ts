import type { Envelope } from '../envelope/envelope.interface.js';
import type { HistoryPage, HistoryQuery } from '../interfaces/history-query.interface.js';
import type { MessageTrace } from '../interfaces/message-trace.interface.js';

/** Most messages one trace collects, to bound the cost of a request. */
export const MAX_TRACE_MESSAGES = 1000;

/**
 * Builds the tree of messages caused by a root message, breadth first, from history: each
 * level is one filtered history scan on `metadata.causation_id`.
 */
export async function readTrace(
  root: Envelope,
  history: (query: HistoryQuery) => Promise<HistoryPage>,
): Promise<MessageTrace> {
  const top: MessageTrace = { message: root, caused: [] };
  let level = [top];
  let collected = 1;

  while (level.length > 0 && collected < MAX_TRACE_MESSAGES) {
    const next: MessageTrace[] = [];
    for (const node of level) {
      const children = await causedBy(node.message.message_id, history);
      for (const message of children.slice(0, MAX_TRACE_MESSAGES - collected)) {
        const child = { message, caused: [] };
        node.caused.push(child);
        next.push(child);
        collected++;
      }
    }
    level = next;
  }
  return top;
}

async function causedBy(
  messageId: string,
  history: (query: HistoryQuery) => Promise<HistoryPage>,
): Promise<Envelope[]> {
  const found: Envelope[] = [];
  let after: string | undefined = messageId;
  while (after !== undefined && found.length < MAX_TRACE_MESSAGES) {
    const page = await history({
      metadata: { causation_id: messageId },
      after,
      order: 'asc',
      limit: 1000,
    });
    found.push(...page.items);
    after = page.next_cursor ?? undefined;
  }
  return found;
}
