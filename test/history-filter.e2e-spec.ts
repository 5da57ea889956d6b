import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Envelope, HistoryPage } from '../src/event-bus/index.js';
import { messageText, type BadRequestBody } from './support/http.js';
import { feedbackPayload, lifecyclePayload } from './support/karma-payloads.js';
import { getJson, startStreamApp, type StreamApp } from './support/stream-app.js';

/** Ids of the messages published before each test, by role. */
interface Published {
  lifecycle1: string;
  feedback1: string;
  lifecycle2: string;
  feedback2: string;
  feedback3: string;
  /** The analytics summaries the service published in reaction, oldest first. */
  analytics: string[];
  /** Every message in history, oldest first. */
  all: string[];
}

function idsOf(items: readonly Envelope[]): string[] {
  return items.map((item) => item.message_id);
}

describe('GET /events/history with filters (e2e)', () => {
  let running: StreamApp;
  let published: Published;

  async function history(query: string): Promise<HistoryPage> {
    const response = await getJson<HistoryPage>(running.baseUrl, `/events/history?${query}`);
    expect(response.status).toBe(200);
    return response.body;
  }

  async function historyIds(query: string): Promise<string[]> {
    return idsOf((await history(query)).items);
  }

  /** Follows `next_cursor` from the first page to the last and returns every id and page size. */
  async function readAllPages(query: string, order: 'asc' | 'desc') {
    const cursorParameter = order === 'asc' ? 'after' : 'before';
    const ids: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    do {
      const suffix: string = cursor === null ? '' : `&${cursorParameter}=${cursor}`;
      const page = await history(`${query}&order=${order}${suffix}`);
      ids.push(...idsOf(page.items));
      pageSizes.push(page.items.length);
      cursor = page.next_cursor;
    } while (cursor !== null && pageSizes.length < 20);
    return { ids, pageSizes };
  }

  beforeEach(async () => {
    running = await startStreamApp();
    const { bus } = running;

    const signup = { source: 'signup' };
    const lifecycle1 = await bus.publishLifecycle(lifecyclePayload('user-1'), signup);
    const feedback1 = await bus.publishFeedback(feedbackPayload('user-1', 80));
    const lifecycle2 = await bus.publishLifecycle(lifecyclePayload('user-2'), signup);
    const feedback2 = await bus.publishFeedback(feedbackPayload('user-2', 40));
    const feedback3 = await bus.publishFeedback(feedbackPayload('user-1', 71.52));
    await bus.idle();

    const all = (await history('order=asc&limit=1000')).items;
    published = {
      lifecycle1: lifecycle1.message_id,
      feedback1: feedback1.message_id,
      lifecycle2: lifecycle2.message_id,
      feedback2: feedback2.message_id,
      feedback3: feedback3.message_id,
      analytics: idsOf(all.filter((item) => item.channel === 'karma.analytics')),
      all: idsOf(all),
    };
  });

  afterEach(async () => {
    await running.app.close();
  });

  it('starts from ten messages', () => {
    expect(published.all).toHaveLength(10);
    expect(published.analytics).toHaveLength(5);
  });

  describe('channels', () => {
    it('selects one channel', async () => {
      const ids = await historyIds('channels=karma.lifecycle&order=asc');

      expect(ids).toEqual([published.lifecycle1, published.lifecycle2]);
    });

    it('expands karma.*', async () => {
      expect(await historyIds('channels=karma.*&order=asc')).toEqual(published.all);
    });

    it('expands *.feedback', async () => {
      const ids = await historyIds('channels=*.feedback&order=asc');

      expect(ids).toEqual([published.feedback1, published.feedback2, published.feedback3]);
    });

    it.each([
      'channels=karma.lifecycle,karma.feedback',
      'channels=karma.lifecycle&channels=karma.feedback',
      'channels=karma.feedback,karma.lifecycle,karma.feedback',
    ])('merges channels from %s', async (query) => {
      const ids = await historyIds(`${query}&order=asc`);

      expect(ids).toEqual([
        published.lifecycle1,
        published.feedback1,
        published.lifecycle2,
        published.feedback2,
        published.feedback3,
      ]);
    });
  });

  describe('payload and metadata', () => {
    it('filters by payload.user_id', async () => {
      const ids = await historyIds('payload.user_id=user-1&order=asc');

      expect(ids).toEqual([published.lifecycle1, published.feedback1, published.feedback3]);
    });

    it('returns newest first by default', async () => {
      const ids = await historyIds('payload.user_id=user-1');

      expect(ids).toEqual([published.feedback3, published.feedback1, published.lifecycle1]);
    });

    it('combines channels and payload', async () => {
      const ids = await historyIds('channels=karma.feedback&payload.user_id=user-1&order=asc');

      expect(ids).toEqual([published.feedback1, published.feedback3]);
    });

    it('combines channel and payload', async () => {
      const ids = await historyIds('channel=karma.feedback&payload.user_id=user-2');

      expect(ids).toEqual([published.feedback2]);
    });

    it('matches a number by its text', async () => {
      expect(await historyIds('payload.score=71.52')).toEqual([published.feedback3]);
      expect(await historyIds('payload.score=80')).toEqual([published.feedback1]);
      expect(await historyIds('payload.score=80.0')).toEqual([]);
    });

    it('filters by metadata.source', async () => {
      const analytics = await historyIds('metadata.source=karma-analytics&order=asc');
      const signups = await historyIds('metadata.source=signup&order=asc');

      expect(analytics).toEqual(published.analytics);
      expect(signups).toEqual([published.lifecycle1, published.lifecycle2]);
    });

    it('combines payload and metadata', async () => {
      const ids = await historyIds('payload.user_id=user-2&metadata.source=signup');

      expect(ids).toEqual([published.lifecycle2]);
    });

    it.each(['payload.hasOwnProperty=x', 'metadata.toString=x'])(
      'keeps %s as a condition',
      async (query) => {
        const page = await history(query);

        expect(idsOf(page.items)).toEqual([]);
        expect(page.next_cursor).toBeNull();
      },
    );

    it.each([
      ['payload.__proto__=1', 'payload.__proto__'],
      ['payload.constructor=x', 'payload.constructor'],
      ['metadata.a.prototype=x', 'metadata.a.prototype'],
    ])('rejects %s', async (query, field) => {
      const response = await fetch(`${running.baseUrl}/events/history?${query}`);
      const body = (await response.json()) as { field: string; message: string[] };

      expect(response.status).toBe(400);
      expect(body.field).toBe(field);
      expect(body.message[0]).toContain('cannot be filtered on');
    });

    it('returns an empty page without matches', async () => {
      const page = await history('payload.user_id=user-9');

      expect(page).toEqual({ items: [], next_cursor: null });
    });
  });

  describe('paging', () => {
    it('pages forward without skips', async () => {
      const first = await history('payload.user_id=user-1&order=asc&limit=2');
      const second = await history(
        `payload.user_id=user-1&order=asc&limit=2&after=${first.next_cursor}`,
      );

      expect(idsOf(first.items)).toEqual([published.lifecycle1, published.feedback1]);
      expect(first.next_cursor).toBe(published.feedback1);
      expect(idsOf(second.items)).toEqual([published.feedback3]);
      expect(second.next_cursor).toBeNull();
    });

    it('pages backward without repeats', async () => {
      const { ids, pageSizes } = await readAllPages(
        'metadata.source=karma-analytics&limit=2',
        'desc',
      );

      expect(ids).toEqual([...published.analytics].reverse());
      expect(pageSizes).toEqual([2, 2, 1]);
    });

    it('pages a channel pattern', async () => {
      const { ids, pageSizes } = await readAllPages('channels=karma.*&limit=3', 'asc');

      expect(ids).toEqual(published.all);
      expect(pageSizes).toEqual([3, 3, 3, 1]);
    });

    it('ends when the page is full', async () => {
      const page = await history('payload.user_id=user-1&limit=3');

      expect(page.items).toHaveLength(3);
      expect(page.next_cursor).toBeNull();
    });
  });

  describe('when a filter parameter is invalid', () => {
    async function expectBadRequest(query: string, parameter: string): Promise<void> {
      const response = await getJson<BadRequestBody>(running.baseUrl, `/events/history?${query}`);

      expect(response.status).toBe(400);
      expect(response.body.statusCode).toBe(400);
      expect(response.body.error).toBe('Bad Request');
      expect(response.body.field).toBe(parameter);
      expect(messageText(response.body)).toContain(parameter);
    }

    it.each([
      ['channels=nope', 'channels'],
      ['channels=karma', 'channels'],
      ['channels=', 'channels'],
      ['channels=Karma.Feedback', 'channels'],
      ['channels=karma.feedback,,karma.lifecycle', 'channels'],
      ['channels=karma.**', 'channels'],
      ['channel=karma.feedback&channels=karma.*', 'channels'],
      ['payload.a..b=1', 'payload.a..b'],
      ['payload.=1', 'payload.'],
      ['payload.user_id%5B%5D=x', 'payload.user_id[]'],
      ['payload.user_id=user-1&payload.user_id=user-2', 'payload.user_id'],
      ['metadata.source=a&metadata.source=b', 'metadata.source'],
      ['metadata.x%20y=1', 'metadata.x y'],
      ['payload=user-1', 'payload'],
      ['user_id=user-1', 'user_id'],
    ])('rejects %s', async (query, parameter) => {
      await expectBadRequest(query, parameter);
    });

    it('rejects 21 payload fields', async () => {
      const query = Array.from({ length: 21 }, (_, i) => `payload.f${i}=x`).join('&');

      await expectBadRequest(query, 'payload');
    });
  });
});
