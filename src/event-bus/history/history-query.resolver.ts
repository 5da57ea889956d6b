import { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT } from '../event-bus.constants.js';
import { InvalidHistoryQueryException } from '../exceptions/invalid-history-query.exception.js';
import { compileFilter } from '../filtering/compiled-filter.js';
import type { MessageFilter } from '../filtering/message-filter.interface.js';
import {
  HISTORY_ORDERS,
  type HistoryQuery,
  type ResolvedHistoryQuery,
} from '../interfaces/history-query.interface.js';

/**
 * Applies defaults to a history query and checks each value.
 * @param query the query as given by the caller
 * @param channels the registered channel names
 * @throws InvalidHistoryQueryException naming the first parameter at fault
 */
export function resolveHistoryQuery(
  query: HistoryQuery,
  channels: readonly string[],
): ResolvedHistoryQuery {
  const { channel, limit = DEFAULT_HISTORY_LIMIT, after, before, order = 'desc' } = query;

  if (channel !== undefined && !channels.includes(channel)) {
    throw new InvalidHistoryQueryException('channel', channel, `one of ${channels.join(', ')}`);
  }
  if (channel !== undefined && query.channels !== undefined) {
    throw new InvalidHistoryQueryException(
      'channels',
      query.channels,
      'absent when channel is given',
    );
  }
  const filter = compileFilter(
    { channels: channel === undefined ? query.channels : [channel], ...fieldsOf(query) },
    channels,
  );
  resolveLimit(limit);
  if (!HISTORY_ORDERS.includes(order)) {
    throw new InvalidHistoryQueryException('order', order, HISTORY_ORDERS.join(' or '));
  }
  checkCursor('after', after);
  checkCursor('before', before);

  return {
    channels: filter.channels,
    limit,
    after,
    before,
    order,
    ...(filter.hasConditions ? { filter } : {}),
  };
}

function fieldsOf(query: HistoryQuery): Omit<MessageFilter, 'channels'> {
  return { payload: query.payload, metadata: query.metadata, where: query.where };
}

function checkCursor(parameter: string, cursor: unknown): void {
  if (cursor !== undefined && (typeof cursor !== 'string' || cursor.length === 0)) {
    throw new InvalidHistoryQueryException(
      parameter,
      cursor,
      'the message_id of a message in history',
    );
  }
}

/**
 * Returns a page size, or the default when absent.
 * @throws InvalidHistoryQueryException unless it is an integer from 1 to the maximum
 */
export function resolveLimit(limit: number = DEFAULT_HISTORY_LIMIT): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT) {
    throw new InvalidHistoryQueryException(
      'limit',
      limit,
      `an integer from 1 to ${MAX_HISTORY_LIMIT}`,
    );
  }
  return limit;
}
