import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import {
  UnknownChannelException,
  type Envelope,
  type EventBusService,
  type KarmaAnalyticsPayload,
} from '../src/event-bus/index.js';
import { messageText, readHistory, type BadRequestBody } from './support/http.js';
import { closeTestApp, createTestApp, type TestApp } from './support/test-app.js';

/** A well-formed UUID v4 that no message has. */
const UNKNOWN_ID = '6f1c2a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f';

function summary(feedbackCount: number): KarmaAnalyticsPayload {
  return {
    feedback_count: feedbackCount,
    lifecycle_count: 0,
    users_seen: 0,
    average_score: null,
    by_band: { very_low: 0, low: 0, neutral: 0, high: 0, very_high: 0 },
    by_lifecycle_event: {
      birth: 0,
      death: 0,
      rebirth: 0,
      role_change: 0,
      suspension: 0,
      reinstatement: 0,
    },
    trigger_message_id: randomUUID(),
  };
}

/** Publishes analytics summaries directly; no listener reacts to them, so nothing else is added. */
async function publishSummaries(bus: EventBusService, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 1; i <= count; i++) {
    const envelope = await bus.publishAnalytics(summary(i));
    ids.push(envelope.message_id);
  }
  return ids;
}

/** Publishes a birth, after which the analytics listener publishes a `karma.analytics` summary. */
function publishBirth(bus: EventBusService, userId: string) {
  return bus.publishLifecycle({
    user_id: userId,
    event: 'birth',
    occurred_at: '2026-12-01T12:00:00.000Z',
  });
}

function idsOf(items: readonly Envelope[]): string[] {
  return items.map((item) => item.message_id);
}

describe('EventBusService (e2e)', () => {
  let testApp: TestApp;

  beforeEach(async () => {
    testApp = await createTestApp();
  });

  afterEach(async () => {
    await closeTestApp(testApp);
  });

  describe('subscribe()', () => {
    it('delivers to every subscriber', async () => {
      const received: string[][] = [[], [], []];
      received.forEach((ids, index) =>
        testApp.bus.subscribe('karma.lifecycle', (message) => ids.push(message.message_id), {
          name: `subscriber-${index}`,
        }),
      );

      const first = await publishBirth(testApp.bus, 'user-1');
      const second = await publishBirth(testApp.bus, 'user-2');
      await testApp.bus.idle();

      const expected = [first.message_id, second.message_id];
      expect(received).toEqual([expected, expected, expected]);
    });

    it('keeps channels apart', async () => {
      const byChannel: Record<string, string[]> = {
        'karma.feedback': [],
        'karma.lifecycle': [],
        'karma.analytics': [],
      };
      testApp.bus.onFeedback((message) => byChannel['karma.feedback'].push(message.message_id));
      testApp.bus.onLifecycle((message) => byChannel['karma.lifecycle'].push(message.message_id));
      testApp.bus.onAnalytics((message) => byChannel['karma.analytics'].push(message.message_id));
      const everyChannel: string[] = [];
      testApp.bus.subscribeAll((message) => everyChannel.push(message.message_id));

      const [direct] = await publishSummaries(testApp.bus, 1);
      const birth = await publishBirth(testApp.bus, 'user-1');
      await testApp.bus.idle();

      const derived = testApp.recorder.ids('karma.analytics')[1];
      expect(byChannel).toEqual({
        'karma.feedback': [],
        'karma.lifecycle': [birth.message_id],
        'karma.analytics': [direct, derived],
      });
      expect(everyChannel).toEqual([direct, birth.message_id, derived]);
    });

    it.each(['karma', 'karma.feedback.x', 'orders.created', ''])(
      'rejects unknown channel "%s"',
      (channel) => {
        expect(() => testApp.bus.subscribe(channel as never, () => undefined)).toThrow(
          UnknownChannelException,
        );
      },
    );
  });

  describe('publish()', () => {
    it.each(['karma', 'karma.feedback.x', 'orders.created'])(
      'rejects unknown channel "%s"',
      async (channel) => {
        await expect(testApp.bus.publish(channel as never, {} as never)).rejects.toThrow(
          UnknownChannelException,
        );

        expect(testApp.recorder.messages).toEqual([]);
        expect((await readHistory(testApp.http)).items).toEqual([]);
      },
    );
  });

  describe('unsubscribe()', () => {
    it('stops delivery to that subscriber', async () => {
      const kept: string[] = [];
      const dropped: string[] = [];
      testApp.bus.subscribe('karma.lifecycle', (message) => kept.push(message.message_id));
      const subscription = testApp.bus.subscribe('karma.lifecycle', (message) =>
        dropped.push(message.message_id),
      );

      const first = await publishBirth(testApp.bus, 'user-1');
      subscription.unsubscribe();
      const second = await publishBirth(testApp.bus, 'user-2');
      await testApp.bus.idle();

      expect(subscription.active).toBe(false);
      expect(dropped).toEqual([first.message_id]);
      expect(kept).toEqual([first.message_id, second.message_id]);
    });

    it('lowers the subscriber count once', async () => {
      const subscription = testApp.bus.subscribe('karma.lifecycle', () => undefined);
      const countLifecycleSubscribers = async () => {
        const response = await request(testApp.http).get('/events/channels').expect(200);
        const items = response.body.items as { name: string; subscribers: number }[];
        return items.find((item) => item.name === 'karma.lifecycle')?.subscribers;
      };

      // The analytics listener, the test recorder and this subscription.
      expect(await countLifecycleSubscribers()).toBe(3);
      subscription.unsubscribe();
      subscription.unsubscribe();
      expect(await countLifecycleSubscribers()).toBe(2);
    });
  });
});

describe('EventsController (e2e)', () => {
  let testApp: TestApp;

  beforeEach(async () => {
    testApp = await createTestApp();
  });

  afterEach(async () => {
    await closeTestApp(testApp);
  });

  describe('GET /events/history', () => {
    /** Five births and their five analytics summaries, interleaved, oldest first. */
    let all: string[];

    beforeEach(async () => {
      for (let i = 1; i <= 5; i++) {
        await publishBirth(testApp.bus, `user-${i}`);
      }
      await testApp.bus.idle();
      all = testApp.recorder.ids();
      expect(all).toHaveLength(10);
    });

    it('pages newest first without gaps', async () => {
      const newestFirst = [...all].reverse();

      const first = await readHistory(testApp.http, 'limit=3');
      const second = await readHistory(testApp.http, `limit=3&before=${first.next_cursor}`);
      const third = await readHistory(testApp.http, `limit=3&before=${second.next_cursor}`);
      const last = await readHistory(testApp.http, `limit=3&before=${third.next_cursor}`);

      expect(idsOf(first.items)).toEqual(newestFirst.slice(0, 3));
      expect(first.next_cursor).toBe(newestFirst[2]);
      expect(idsOf(second.items)).toEqual(newestFirst.slice(3, 6));
      expect(second.next_cursor).toBe(newestFirst[5]);
      expect(idsOf(third.items)).toEqual(newestFirst.slice(6, 9));
      expect(third.next_cursor).toBe(newestFirst[8]);
      expect(idsOf(last.items)).toEqual(newestFirst.slice(9));
      expect(last.next_cursor).toBeNull();
    });

    it('pages oldest first without gaps', async () => {
      const first = await readHistory(testApp.http, 'order=asc&limit=4');
      const second = await readHistory(
        testApp.http,
        `order=asc&limit=4&after=${first.next_cursor}`,
      );
      const last = await readHistory(testApp.http, `order=asc&limit=4&after=${second.next_cursor}`);

      expect(idsOf(first.items)).toEqual(all.slice(0, 4));
      expect(first.next_cursor).toBe(all[3]);
      expect(idsOf(second.items)).toEqual(all.slice(4, 8));
      expect(second.next_cursor).toBe(all[7]);
      expect(idsOf(last.items)).toEqual(all.slice(8));
      expect(last.next_cursor).toBeNull();
    });

    it('ends an exact fit with null', async () => {
      const first = await readHistory(testApp.http, 'order=asc&limit=5');
      const last = await readHistory(testApp.http, `order=asc&limit=5&after=${first.next_cursor}`);

      expect(idsOf(first.items)).toEqual(all.slice(0, 5));
      expect(first.next_cursor).toBe(all[4]);
      expect(idsOf(last.items)).toEqual(all.slice(5));
      expect(last.next_cursor).toBeNull();
    });

    it('returns full messages in order', async () => {
      const ascending = await readHistory(testApp.http, 'order=asc');
      const descending = await readHistory(testApp.http, 'order=desc');
      const byDefault = await readHistory(testApp.http);

      expect(ascending).toEqual({ items: testApp.recorder.messages, next_cursor: null });
      expect(descending).toEqual({
        items: [...testApp.recorder.messages].reverse(),
        next_cursor: null,
      });
      expect(byDefault).toEqual(descending);
    });

    it('combines after and before', async () => {
      const range = `after=${all[2]}&before=${all[7]}`;

      const ascending = await readHistory(testApp.http, `${range}&order=asc`);
      const descending = await readHistory(testApp.http, `${range}&order=desc`);
      const firstPair = await readHistory(testApp.http, `${range}&order=asc&limit=2`);
      const lastPair = await readHistory(
        testApp.http,
        `after=${firstPair.next_cursor}&before=${all[7]}&order=asc&limit=2`,
      );

      expect(idsOf(ascending.items)).toEqual(all.slice(3, 7));
      expect(ascending.next_cursor).toBeNull();
      expect(idsOf(descending.items)).toEqual(all.slice(3, 7).reverse());
      expect(descending.next_cursor).toBeNull();
      expect(idsOf(firstPair.items)).toEqual(all.slice(3, 5));
      expect(firstPair.next_cursor).toBe(all[4]);
      expect(idsOf(lastPair.items)).toEqual(all.slice(5, 7));
      expect(lastPair.next_cursor).toBeNull();
    });

    it('filters by channel', async () => {
      const births = testApp.recorder.ids('karma.lifecycle');
      // all[1] is the summary of the first birth: a cursor may come from another channel.
      const afterFirstSummary = await readHistory(
        testApp.http,
        `channel=karma.lifecycle&order=asc&after=${all[1]}`,
      );
      const everyBirth = await readHistory(testApp.http, 'channel=karma.lifecycle&order=asc');

      expect(idsOf(everyBirth.items)).toEqual(births);
      expect(everyBirth.items.every((item) => item.channel === 'karma.lifecycle')).toBe(true);
      expect(idsOf(afterFirstSummary.items)).toEqual(births.slice(1));
    });

    it('returns 50 by default', async () => {
      const ids = await publishSummaries(testApp.bus, 60);
      const newestFirst = [...ids].reverse();

      const first = await readHistory(testApp.http, 'channel=karma.analytics');
      const rest = await readHistory(
        testApp.http,
        `channel=karma.analytics&before=${first.next_cursor}`,
      );

      expect(idsOf(first.items)).toEqual(newestFirst.slice(0, 50));
      expect(first.next_cursor).toBe(newestFirst[49]);
      // The 10 oldest summaries published above, then the 5 from the births.
      expect(idsOf(rest.items)).toEqual([
        ...newestFirst.slice(50),
        ...testApp.recorder.ids('karma.analytics').slice(0, 5).reverse(),
      ]);
      expect(rest.next_cursor).toBeNull();
    });
  });

  describe('GET /events/history with 7 messages', () => {
    let ids: string[];

    beforeEach(async () => {
      ids = await publishSummaries(testApp.bus, 7);
    });

    it('returns all 7 without limit', async () => {
      const response = await request(testApp.http).get('/events/history');

      expect(response.status).toBe(200);
      expect(idsOf(response.body.items)).toEqual([...ids].reverse());
      expect(response.body.next_cursor).toBeNull();
    });

    it('returns exactly 3 for limit=3', async () => {
      const response = await request(testApp.http).get('/events/history?limit=3');

      expect(response.status).toBe(200);
      expect(idsOf(response.body.items)).toEqual([ids[6], ids[5], ids[4]]);
      expect(response.body.next_cursor).toBe(ids[4]);
    });

    it.each(['limit=1', 'limit=7', 'limit=1000'])('accepts %s', async (query) => {
      const limit = Number(query.slice('limit='.length));
      const response = await request(testApp.http).get(`/events/history?${query}`);

      expect(response.status).toBe(200);
      expect(idsOf(response.body.items)).toEqual([...ids].reverse().slice(0, limit));
      expect(response.body.next_cursor).toBe(limit < 7 ? ids[7 - limit] : null);
    });

    const LIMIT_MESSAGE = 'limit must be an integer from 1 to 1000';
    const CURSOR_MESSAGE = 'must be the message_id (a UUID v4) of a message in history';
    const GONE_MESSAGE = 'the message_id of a message still in history';

    it.each([
      { query: 'limit=0', field: 'limit', text: LIMIT_MESSAGE },
      { query: 'limit=-1', field: 'limit', text: LIMIT_MESSAGE },
      { query: 'limit=2.5', field: 'limit', text: LIMIT_MESSAGE },
      { query: 'limit=abc', field: 'limit', text: LIMIT_MESSAGE },
      { query: 'limit=3&limit=4', field: 'limit', text: LIMIT_MESSAGE },
      { query: 'limit=1001', field: 'limit', text: LIMIT_MESSAGE },
      { query: 'limit=', field: 'limit', text: LIMIT_MESSAGE },
      {
        query: 'page=2',
        field: 'page',
        text: 'page is not allowed; allowed: channel, limit, after, before, order',
      },
      {
        query: 'channel=karma',
        field: 'channel',
        text: 'allowed: one of karma.feedback, karma.lifecycle, karma.analytics',
      },
      {
        query: 'channel=karma.feedback.x',
        field: 'channel',
        text: 'allowed: one of karma.feedback, karma.lifecycle, karma.analytics',
      },
      { query: 'after=not-a-uuid', field: 'after', text: `after ${CURSOR_MESSAGE}` },
      { query: 'before=not-a-uuid', field: 'before', text: `before ${CURSOR_MESSAGE}` },
      { query: `after=${UNKNOWN_ID}`, field: 'after', text: GONE_MESSAGE },
      { query: `before=${UNKNOWN_ID}`, field: 'before', text: GONE_MESSAGE },
      { query: 'order=sideways', field: 'order', text: 'order must be one of: asc, desc' },
    ])('rejects $query', async ({ query, field, text }) => {
      const response = await request(testApp.http).get(`/events/history?${query}`);

      expect(response.status).toBe(400);
      const error = response.body as BadRequestBody;
      expect(error.statusCode).toBe(400);
      expect(error.error).toBe('Bad Request');
      expect(error.field).toBe(field);
      expect(messageText(error)).toContain(text);
    });
  });

  describe('GET /events/channels', () => {
    const DESCRIPTIONS = {
      'karma.feedback': 'Influence results of the karma feedback engine',
      'karma.lifecycle': 'User lifecycle events: birth, death, role changes and more',
      'karma.analytics': 'Running aggregates published by the analytics listener',
    };

    function channel(
      name: keyof typeof DESCRIPTIONS,
      published: number,
      inHistory: number,
      subscribers: number,
    ) {
      const description = DESCRIPTIONS[name];
      return { name, description, published, in_history: inHistory, subscribers, failed: 0 };
    }

    it('lists the built-in channels', async () => {
      const response = await request(testApp.http).get('/events/channels');

      // Subscribers: the analytics listener on feedback and lifecycle, the scoreboard listener on
      // feedback, and the test recorder on every channel.
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        items: [
          channel('karma.feedback', 0, 0, 3),
          channel('karma.lifecycle', 0, 0, 2),
          channel('karma.analytics', 0, 0, 1),
        ],
      });
    });

    it('counts messages and subscribers', async () => {
      const influence = await request(testApp.http)
        .post('/karma/influence')
        .send({ user_id: 'user-42', actions: [], as_of: '2026-12-01T12:00:00Z' });
      const birth = await request(testApp.http)
        .post('/karma/lifecycle')
        .send({ user_id: 'user-42', event: 'birth' });
      testApp.bus.onAnalytics(() => undefined);
      await testApp.bus.idle();

      expect(influence.status).toBe(200);
      expect(birth.status).toBe(201);
      const response = await request(testApp.http).get('/events/channels');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        items: [
          channel('karma.feedback', 1, 1, 3),
          channel('karma.lifecycle', 1, 1, 2),
          channel('karma.analytics', 2, 2, 2),
        ],
      });
    });

    it('caps history at capacity', async () => {
      const ids = await publishSummaries(testApp.bus, 1001);

      const channels = await request(testApp.http).get('/events/channels');
      const evicted = await request(testApp.http).get(`/events/history?after=${ids[0]}`);
      const oldest = await readHistory(testApp.http, 'channel=karma.analytics&order=asc&limit=1');

      expect(channels.status).toBe(200);
      expect(channels.body.items[2]).toEqual(channel('karma.analytics', 1001, 1000, 1));
      expect(evicted.status).toBe(400);
      expect(evicted.body.field).toBe('after');
      expect(messageText(evicted.body as BadRequestBody)).toContain('it may have been evicted');
      expect(idsOf(oldest.items)).toEqual([ids[1]]);
    });
  });
});
