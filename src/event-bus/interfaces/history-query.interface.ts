import type { Envelope } from '../envelope/envelope.interface.js';
import type { CompiledFilter } from '../filtering/compiled-filter.js';
import type { MessageFilter } from '../filtering/message-filter.interface.js';

/** Sort order of a history page: `asc` oldest first, `desc` newest first. */
export type HistoryOrder = 'asc' | 'desc';

/** The values `order` accepts. */
export const HISTORY_ORDERS: readonly HistoryOrder[] = ['asc', 'desc'];

/** A history query; every field is optional. The filter fields select which messages count. */
export interface HistoryQuery extends MessageFilter {
  /** Only this channel; all channels when absent. Give this or `channels`, not both. */
  channel?: string;
  /** Items per page, from 1 to 1000. @default 50 */
  limit?: number;
  /** Only messages published after the message with this id. */
  after?: string;
  /** Only messages published before the message with this id. */
  before?: string;
  /** @default 'desc' */
  order?: HistoryOrder;
}

/** A history query with defaults applied and every value checked. */
export interface ResolvedHistoryQuery {
  channels: readonly string[];
  limit: number;
  after?: string;
  before?: string;
  order: HistoryOrder;
  /** Present when the query has field conditions beyond channels. */
  filter?: CompiledFilter;
}

/**
 * One page of history.
 *
 * `next_cursor` is the id of the last item when more messages remain in the page's direction:
 * pass it as `before` for the next `desc` page or as `after` for the next `asc` page. It is null
 * on the last page.
 */
export interface HistoryPage<E = Envelope> {
  items: E[];
  next_cursor: string | null;
}
