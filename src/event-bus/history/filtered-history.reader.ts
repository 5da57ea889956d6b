import type { Envelope } from '../envelope/envelope.interface.js';
import type { CompiledFilter } from '../filtering/compiled-filter.js';
import type { HistoryPage, ResolvedHistoryQuery } from '../interfaces/history-query.interface.js';
import type { EventBusTransport } from '../transports/event-bus-transport.interface.js';

/** Messages read from the transport per step of a filtered scan. */
const SCAN_BATCH = 500;

/**
 * Pages through history keeping only messages that match a filter.
 *
 * The scan reads unfiltered pages until it has one match more than the limit, which decides
 * whether to return a cursor, or until history ends. Its cost grows with the messages scanned,
 * and history capacity bounds those.
 */
export async function readFilteredHistory(
  transport: EventBusTransport,
  query: ResolvedHistoryQuery,
  filter: CompiledFilter,
): Promise<HistoryPage> {
  const { filter: _unused, ...unfiltered } = query;
  const matches: Envelope[] = [];
  let after = query.after;
  let before = query.before;

  while (matches.length <= query.limit) {
    const page = await transport.history({ ...unfiltered, limit: SCAN_BATCH, after, before });
    for (const envelope of page.items) {
      if (filter.matches(envelope)) {
        matches.push(envelope);
      }
    }
    if (page.next_cursor === null) {
      break;
    }
    if (query.order === 'asc') {
      after = page.next_cursor;
    } else {
      before = page.next_cursor;
    }
  }

  const items = matches.slice(0, query.limit);
  const hasMore = matches.length > query.limit;
  return { items, next_cursor: hasMore ? items[items.length - 1].message_id : null };
}
