import type { Envelope } from '../envelope/envelope.interface.js';
import { InvalidHistoryQueryException } from '../exceptions/invalid-history-query.exception.js';
import type { ResolvedHistoryQuery } from '../interfaces/history-query.interface.js';
import { MessageHistory } from './message-history.js';

const ORDERS = 'orders.created';
const PAYMENTS = 'payments.settled';
const BOTH = [ORDERS, PAYMENTS];

function envelope(messageId: string, channel: string): Envelope {
  return Object.freeze({
    message_id: messageId,
    channel,
    payload: Object.freeze({ id: messageId }),
    timestamp: '2026-01-31T12:00:00.000Z',
  });
}

function query(overrides: Partial<ResolvedHistoryQuery> = {}): ResolvedHistoryQuery {
  return { channels: BOTH, limit: 50, order: 'asc', ...overrides };
}

/** Returns what a call throws, or undefined when it returns. */
function errorFrom(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}

function idsOf(items: readonly Envelope[]): string[] {
  return items.map((item) => item.message_id);
}

/** Appends o1, p2, o3, p4 and o5, with odd numbers on ORDERS and even numbers on PAYMENTS. */
function interleavedHistory(capacity = 10): MessageHistory {
  const history = new MessageHistory(capacity);
  history.append(envelope('o1', ORDERS));
  history.append(envelope('p2', PAYMENTS));
  history.append(envelope('o3', ORDERS));
  history.append(envelope('p4', PAYMENTS));
  history.append(envelope('o5', ORDERS));
  return history;
}

describe('MessageHistory', () => {
  describe('query()', () => {
    it('returns an empty last page', () => {
      const history = new MessageHistory(10);

      expect(history.query(query())).toEqual({ items: [], next_cursor: null });
    });

    it('pages ascending across channels', () => {
      const history = interleavedHistory();

      const first = history.query(query({ limit: 2 }));
      expect(idsOf(first.items)).toEqual(['o1', 'p2']);
      expect(first.next_cursor).toBe('p2');

      const second = history.query(query({ limit: 2, after: 'p2' }));
      expect(idsOf(second.items)).toEqual(['o3', 'p4']);
      expect(second.next_cursor).toBe('p4');

      const last = history.query(query({ limit: 2, after: 'p4' }));
      expect(idsOf(last.items)).toEqual(['o5']);
      expect(last.next_cursor).toBeNull();
    });

    it('pages descending across channels', () => {
      const history = interleavedHistory();

      const first = history.query(query({ limit: 2, order: 'desc' }));
      expect(idsOf(first.items)).toEqual(['o5', 'p4']);
      expect(first.next_cursor).toBe('p4');

      const second = history.query(query({ limit: 2, order: 'desc', before: 'p4' }));
      expect(idsOf(second.items)).toEqual(['o3', 'p2']);
      expect(second.next_cursor).toBe('p2');

      const last = history.query(query({ limit: 2, order: 'desc', before: 'p2' }));
      expect(idsOf(last.items)).toEqual(['o1']);
      expect(last.next_cursor).toBeNull();
    });

    it('ends a page that fills exactly', () => {
      const history = new MessageHistory(10);
      history.append(envelope('o1', ORDERS));
      history.append(envelope('o2', ORDERS));
      history.append(envelope('o3', ORDERS));
      history.append(envelope('o4', ORDERS));

      const first = history.query(query({ limit: 2 }));
      expect(first.next_cursor).toBe('o2');

      const last = history.query(query({ limit: 2, after: 'o2' }));
      expect(idsOf(last.items)).toEqual(['o3', 'o4']);
      expect(last.next_cursor).toBeNull();

      const whole = history.query(query({ limit: 4, order: 'desc' }));
      expect(idsOf(whole.items)).toEqual(['o4', 'o3', 'o2', 'o1']);
      expect(whole.next_cursor).toBeNull();
    });

    it('filters one channel', () => {
      const history = interleavedHistory();

      const page = history.query(query({ channels: [PAYMENTS] }));

      expect(idsOf(page.items)).toEqual(['p2', 'p4']);
      expect(page.next_cursor).toBeNull();
    });

    it('accepts a cursor from another channel', () => {
      const history = interleavedHistory();

      const page = history.query(query({ channels: [ORDERS], after: 'p2' }));

      expect(idsOf(page.items)).toEqual(['o3', 'o5']);
      expect(page.next_cursor).toBeNull();
    });

    it('skips channels with no messages', () => {
      const history = interleavedHistory();

      const page = history.query(query({ channels: ['audit.logged', ORDERS] }));

      expect(idsOf(page.items)).toEqual(['o1', 'o3', 'o5']);
    });

    it('reads an after and before range', () => {
      const history = interleavedHistory();

      const ascending = history.query(query({ after: 'o1', before: 'o5' }));
      expect(idsOf(ascending.items)).toEqual(['p2', 'o3', 'p4']);
      expect(ascending.next_cursor).toBeNull();

      const descending = history.query(query({ after: 'o1', before: 'o5', order: 'desc' }));
      expect(idsOf(descending.items)).toEqual(['p4', 'o3', 'p2']);
      expect(descending.next_cursor).toBeNull();

      const paged = history.query(query({ after: 'o1', before: 'o5', limit: 2 }));
      expect(idsOf(paged.items)).toEqual(['p2', 'o3']);
      expect(paged.next_cursor).toBe('o3');
    });

    it('returns nothing for an empty range', () => {
      const history = interleavedHistory();

      expect(history.query(query({ after: 'o3', before: 'p4' }))).toEqual({
        items: [],
        next_cursor: null,
      });
      expect(history.query(query({ after: 'p4', before: 'p2' }))).toEqual({
        items: [],
        next_cursor: null,
      });
    });

    it('returns the stored envelopes', () => {
      const history = new MessageHistory(10);
      const stored = envelope('o1', ORDERS);
      history.append(stored);

      expect(history.query(query()).items[0]).toBe(stored);
    });
  });

  describe('when a message is evicted', () => {
    it('keeps the newest per channel', () => {
      const history = new MessageHistory(2);
      history.append(envelope('o1', ORDERS));
      history.append(envelope('o2', ORDERS));
      history.append(envelope('p3', PAYMENTS));
      history.append(envelope('o4', ORDERS));

      expect(history.size(ORDERS)).toBe(2);
      expect(history.size(PAYMENTS)).toBe(1);
      expect(history.size('audit.logged')).toBe(0);
      expect(idsOf(history.query(query()).items)).toEqual(['o2', 'p3', 'o4']);
    });

    it.each(['after', 'before'] as const)('rejects it as %s cursor', (parameter) => {
      const history = new MessageHistory(2);
      history.append(envelope('o1', ORDERS));
      history.append(envelope('o2', ORDERS));
      history.append(envelope('o3', ORDERS));

      const read = () => history.query(query({ [parameter]: 'o1' }));

      expect(read).toThrow(InvalidHistoryQueryException);
      expect(read).toThrow(
        `Invalid history query: ${parameter}="o1"; allowed: the message_id of a message still in history (it may have been evicted).`,
      );
      expect(history.contains('o1')).toBe(false);
      expect(history.contains('o2')).toBe(true);
    });

    it('names the parameter in the exception', () => {
      const history = new MessageHistory(1);
      history.append(envelope('o1', ORDERS));
      history.append(envelope('o2', ORDERS));

      const caught = errorFrom(() => history.query(query({ before: 'o1' })));

      expect(caught).toBeInstanceOf(InvalidHistoryQueryException);
      expect(caught).toMatchObject({ parameter: 'before', value: 'o1' });
    });

    it('rejects an unknown cursor', () => {
      const history = interleavedHistory();

      expect(() => history.query(query({ after: 'never-published' }))).toThrow(
        InvalidHistoryQueryException,
      );
    });

    it('tracks evictions between lookups', () => {
      const history = new MessageHistory(3);
      const ids: string[] = [];
      for (let index = 0; index < 1_000; index++) {
        const id = `m${index}`;
        ids.push(id);
        history.append(envelope(id, ORDERS));

        // Every 7 appends, check every id: the last 3 are retained, the older ones evicted.
        const retained = ids.slice(-3);
        const evicted = ids.slice(0, -3);
        expect(history.contains(id)).toBe(true);
        if (index % 7 === 0) {
          expect(retained.every((kept) => history.get(kept)?.message_id === kept)).toBe(true);
          expect(evicted.some((gone) => history.contains(gone))).toBe(false);
        }
      }
    });

    it('finds cursors after many appends without lookups', () => {
      const history = new MessageHistory(5);
      for (let index = 0; index < 100; index++) {
        history.append(envelope(`o${index}`, ORDERS));
        history.append(envelope(`p${index}`, PAYMENTS));
      }

      const page = history.query(query({ after: 'o96', limit: 10 }));

      expect(idsOf(page.items)).toEqual(['p96', 'o97', 'p97', 'o98', 'p98', 'o99', 'p99']);
      expect(history.contains('o94')).toBe(false);
      expect(history.contains('o95')).toBe(true);
    });

    it('bounds memory by capacity', () => {
      const history = new MessageHistory(10);
      const ids: string[] = [];
      for (let index = 0; index < 10_000; index++) {
        const id = `m${index}`;
        ids.push(id);
        history.append(envelope(id, index % 2 === 0 ? ORDERS : PAYMENTS));
      }

      expect(history.size(ORDERS)).toBe(10);
      expect(history.size(PAYMENTS)).toBe(10);
      expect(ids.filter((id) => history.contains(id))).toEqual(ids.slice(-20));
      expect(() => history.query(query({ after: 'm9979' }))).toThrow(InvalidHistoryQueryException);
      expect(() => history.query(query({ after: 'm0' }))).toThrow(InvalidHistoryQueryException);

      const page = history.query(query({ after: 'm9980', limit: 1000 }));
      expect(idsOf(page.items)).toEqual(ids.slice(-19));
      expect(page.next_cursor).toBeNull();
    });
  });
});
