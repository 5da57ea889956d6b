import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import request from 'supertest';
import {
  KARMA_FEEDBACK,
  OnChannel,
  type ChannelEnvelope,
  type KarmaAnalyticsPayload,
} from '../src/event-bus/index.js';
import {
  ISO_TIMESTAMP,
  messageText,
  readHistory,
  readWholeHistory,
  UUID_V4,
  type BadRequestBody,
} from './support/http.js';
import { closeTestApp, createTestApp, type TestApp } from './support/test-app.js';

/** A listener in a module of its own, to show delivery across modules. */
@Injectable()
class FeedbackAuditor {
  readonly received: ChannelEnvelope<'karma.feedback'>[] = [];

  @OnChannel(KARMA_FEEDBACK)
  record(message: ChannelEnvelope<'karma.feedback'>): void {
    this.received.push(message);
  }
}

@Module({ providers: [FeedbackAuditor] })
class AuditModule {}

const AS_OF = '2026-12-01T12:00:00Z';

/**
 * Each action adds weight x magnitude x 0.5 ^ (age in days / 7):
 * help now 3, create x2 at 7 days 2, report at 14 days -0.5, share tomorrow (age 0) 1, vote now
 * 0.5. The sum is 6, influence = tanh(0.6) = 0.5370, score = 50 x 1.537 = 76.85.
 */
const POSITIVE_REQUEST = {
  user_id: 'user-42',
  as_of: AS_OF,
  actions: [
    { type: 'help', occurred_at: '2026-12-01T12:00:00Z' },
    { type: 'create', occurred_at: '2026-11-24T12:00:00Z', magnitude: 2 },
    { type: 'report', occurred_at: '2026-11-17T12:00:00Z' },
    { type: 'share', occurred_at: '2026-12-02T12:00:00Z' },
    { type: 'vote', occurred_at: '2026-12-01T12:00:00Z' },
  ],
};

const POSITIVE_RESULT = {
  user_id: 'user-42',
  score: 76.85,
  influence: 0.537,
  signal: 'positive',
  band: 'high',
  action_count: 5,
  as_of: '2026-12-01T12:00:00.000Z',
};

/** harm x2 now -8, spam at 7 days -1.5, help at 7 days 1.5: sum -8, tanh(-0.8) = -0.6640. */
const NEGATIVE_REQUEST = {
  user_id: 'user-7',
  as_of: AS_OF,
  actions: [
    { type: 'harm', occurred_at: '2026-12-01T12:00:00Z', magnitude: 2 },
    { type: 'spam', occurred_at: '2026-11-24T12:00:00Z' },
    { type: 'help', occurred_at: '2026-11-24T12:00:00Z' },
  ],
};

const NO_LIFECYCLE_EVENTS = {
  birth: 0,
  death: 0,
  rebirth: 0,
  role_change: 0,
  suspension: 0,
  reinstatement: 0,
};

const NO_BANDS = { very_low: 0, low: 0, neutral: 0, high: 0, very_high: 0 };

describe('KarmaController (e2e)', () => {
  let testApp: TestApp;

  beforeEach(async () => {
    testApp = await createTestApp([AuditModule]);
  });

  afterEach(async () => {
    await closeTestApp(testApp);
  });

  describe('POST /karma/influence', () => {
    it('returns the computed influence', async () => {
      const response = await request(testApp.http).post('/karma/influence').send(POSITIVE_REQUEST);

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ ...POSITIVE_RESULT, message_id: expect.any(String) });
      expect(response.body.message_id).toMatch(UUID_V4);
    });

    it('computes a negative influence', async () => {
      const response = await request(testApp.http).post('/karma/influence').send(NEGATIVE_REQUEST);

      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        user_id: 'user-7',
        score: 16.8,
        influence: -0.664,
        signal: 'negative',
        band: 'very_low',
        action_count: 3,
        as_of: '2026-12-01T12:00:00.000Z',
        message_id: expect.stringMatching(UUID_V4),
      });
    });

    it('computes neutral without actions', async () => {
      const response = await request(testApp.http)
        .post('/karma/influence')
        .send({ user_id: 'user-1', actions: [], as_of: AS_OF });

      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        user_id: 'user-1',
        score: 50,
        influence: 0,
        signal: 'neutral',
        band: 'neutral',
        action_count: 0,
        as_of: '2026-12-01T12:00:00.000Z',
        message_id: expect.stringMatching(UUID_V4),
      });
    });

    it('publishes exactly one feedback message', async () => {
      const response = await request(testApp.http).post('/karma/influence').send(POSITIVE_REQUEST);
      await testApp.bus.idle();

      expect(response.status).toBe(200);
      const feedback = testApp.recorder.onChannel('karma.feedback');
      expect(feedback).toHaveLength(1);
      expect(feedback[0]).toEqual({
        message_id: response.body.message_id,
        channel: 'karma.feedback',
        payload: POSITIVE_RESULT,
        timestamp: expect.stringMatching(ISO_TIMESTAMP),
        metadata: { source: 'karma-feedback' },
      });
    });

    it('reaches a listener in another module', async () => {
      const response = await request(testApp.http).post('/karma/influence').send(POSITIVE_REQUEST);
      await testApp.bus.idle();

      const auditor = testApp.app.get(FeedbackAuditor);
      expect(auditor.received.map((message) => message.message_id)).toEqual([
        response.body.message_id,
      ]);
      expect(auditor.received[0].payload).toEqual(POSITIVE_RESULT);
    });

    it('stores the message in history', async () => {
      const response = await request(testApp.http).post('/karma/influence').send(POSITIVE_REQUEST);
      await testApp.bus.idle();

      const page = await readHistory(testApp.http, 'channel=karma.feedback');
      expect(page.next_cursor).toBeNull();
      expect(page.items).toEqual(testApp.recorder.onChannel('karma.feedback'));
      expect(page.items.map((item) => item.message_id)).toEqual([response.body.message_id]);
    });

    it('publishes one message per computation', async () => {
      const first = await request(testApp.http).post('/karma/influence').send(POSITIVE_REQUEST);
      const second = await request(testApp.http).post('/karma/influence').send(NEGATIVE_REQUEST);
      await testApp.bus.idle();

      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(testApp.recorder.ids('karma.feedback')).toEqual([
        first.body.message_id,
        second.body.message_id,
      ]);
      const page = await readHistory(testApp.http, 'channel=karma.feedback&order=asc');
      expect(page.items.map((item) => item.message_id)).toEqual([
        first.body.message_id,
        second.body.message_id,
      ]);
    });

    it('updates the analytics totals', async () => {
      const response = await request(testApp.http).post('/karma/influence').send(POSITIVE_REQUEST);
      await testApp.bus.idle();
      const feedbackId = response.body.message_id as string;

      const expectedTotals: KarmaAnalyticsPayload = {
        feedback_count: 1,
        lifecycle_count: 0,
        users_seen: 1,
        average_score: 76.85,
        by_band: { ...NO_BANDS, high: 1 },
        by_lifecycle_event: NO_LIFECYCLE_EVENTS,
        trigger_message_id: feedbackId,
      };
      const analytics = await request(testApp.http).get('/karma/analytics');
      expect(analytics.status).toBe(200);
      expect(analytics.body).toEqual({ totals: expectedTotals });

      const summaries = await readHistory(testApp.http, 'channel=karma.analytics');
      expect(summaries.items).toHaveLength(1);
      expect(summaries.items[0].payload).toEqual(expectedTotals);
      // Without a correlation id in the request, the feedback message starts the flow.
      expect(summaries.items[0].metadata).toEqual({
        source: 'karma-analytics',
        causation_id: feedbackId,
        correlation_id: feedbackId,
      });
    });

    it('carries the correlation id', async () => {
      const response = await request(testApp.http)
        .post('/karma/influence')
        .set('X-Correlation-Id', 'req-7')
        .send(POSITIVE_REQUEST);
      await testApp.bus.idle();

      expect(response.status).toBe(200);
      const [feedback] = testApp.recorder.onChannel('karma.feedback');
      expect(feedback.metadata).toEqual({ source: 'karma-feedback', correlation_id: 'req-7' });
      const [summary] = testApp.recorder.onChannel('karma.analytics');
      expect(summary.metadata).toEqual({
        source: 'karma-analytics',
        causation_id: response.body.message_id,
        correlation_id: 'req-7',
      });
    });
  });

  describe('GET /karma/analytics', () => {
    it('returns null before any message', async () => {
      const response = await request(testApp.http).get('/karma/analytics');

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ totals: null });
    });

    it('counts feedback and lifecycle', async () => {
      const feedback = await request(testApp.http).post('/karma/influence').send(POSITIVE_REQUEST);
      const birth = await request(testApp.http)
        .post('/karma/lifecycle')
        .send({ user_id: 'user-9', event: 'birth', occurred_at: AS_OF });
      await testApp.bus.idle();

      const response = await request(testApp.http).get('/karma/analytics');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        totals: {
          feedback_count: 1,
          lifecycle_count: 1,
          users_seen: 2,
          average_score: 76.85,
          by_band: { ...NO_BANDS, high: 1 },
          by_lifecycle_event: { ...NO_LIFECYCLE_EVENTS, birth: 1 },
          trigger_message_id: birth.body.message_id,
        },
      });
      const causes = testApp.recorder
        .onChannel('karma.analytics')
        .map((message) => message.metadata?.causation_id);
      expect(causes).toEqual([feedback.body.message_id, birth.body.message_id]);
    });
  });

  describe('POST /karma/lifecycle', () => {
    it('records a birth', async () => {
      const response = await request(testApp.http)
        .post('/karma/lifecycle')
        .set('X-Correlation-Id', 'signup-3')
        .send({ user_id: 'user-42', event: 'birth', occurred_at: AS_OF });
      await testApp.bus.idle();

      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        message_id: expect.stringMatching(UUID_V4),
        channel: 'karma.lifecycle',
        payload: { user_id: 'user-42', event: 'birth', occurred_at: '2026-12-01T12:00:00.000Z' },
        timestamp: expect.stringMatching(ISO_TIMESTAMP),
        metadata: { source: 'karma-lifecycle', correlation_id: 'signup-3' },
      });
      expect(testApp.recorder.onChannel('karma.lifecycle')).toEqual([response.body]);
      const page = await readHistory(testApp.http, 'channel=karma.lifecycle');
      expect(page.items).toEqual([response.body]);
    });

    it('records a role change', async () => {
      const response = await request(testApp.http).post('/karma/lifecycle').send({
        user_id: 'user-42',
        event: 'role_change',
        role: 'moderator',
        previous_role: 'member',
        reason: 'elected',
        occurred_at: '2026-12-02T08:30:00Z',
      });

      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        message_id: expect.stringMatching(UUID_V4),
        channel: 'karma.lifecycle',
        payload: {
          user_id: 'user-42',
          event: 'role_change',
          role: 'moderator',
          previous_role: 'member',
          reason: 'elected',
          occurred_at: '2026-12-02T08:30:00.000Z',
        },
        timestamp: expect.stringMatching(ISO_TIMESTAMP),
        metadata: { source: 'karma-lifecycle' },
      });
      expect(testApp.recorder.ids('karma.lifecycle')).toEqual([response.body.message_id]);
    });

    it('defaults occurred_at to now', async () => {
      const before = Date.now();
      const response = await request(testApp.http)
        .post('/karma/lifecycle')
        .send({ user_id: 'user-42', event: 'death' });
      const after = Date.now();

      expect(response.status).toBe(201);
      const occurredAt = Date.parse(response.body.payload.occurred_at as string);
      expect(occurredAt).toBeGreaterThanOrEqual(before);
      expect(occurredAt).toBeLessThanOrEqual(after);
    });
  });

  describe('when the input is invalid', () => {
    let historyBefore: unknown[];
    let recordedBefore: number;

    beforeEach(async () => {
      const seed = await request(testApp.http)
        .post('/karma/lifecycle')
        .send({ user_id: 'user-1', event: 'birth', occurred_at: AS_OF });
      expect(seed.status).toBe(201);
      await testApp.bus.idle();

      historyBefore = await readWholeHistory(testApp.http);
      recordedBefore = testApp.recorder.messages.length;
      expect(historyBefore).toHaveLength(2);
    });

    async function expectRejected(
      path: string,
      body: unknown,
      field: string,
      fragment: string,
    ): Promise<void> {
      const call = request(testApp.http).post(path);
      const response =
        typeof body === 'string'
          ? await call.set('Content-Type', 'application/json').send(body)
          : await call.send(body as object);
      await testApp.bus.idle();

      expect(response.status).toBe(400);
      const error = response.body as BadRequestBody;
      expect(error.statusCode).toBe(400);
      expect(error.error).toBe('Bad Request');
      expect(error.field).toBe(field);
      expect(messageText(error)).toContain(fragment);
      expect(testApp.recorder.messages).toHaveLength(recordedBefore);
      expect(await readWholeHistory(testApp.http)).toEqual(historyBefore);
    }

    const action = { type: 'help', occurred_at: AS_OF };
    const valid = { user_id: 'user-42', actions: [action], as_of: AS_OF };
    const withAction = (extra: object) => ({ ...valid, actions: [{ ...action, ...extra }] });
    const { user_id: _userId, ...withoutUserId } = valid;
    const { actions: _actions, ...withoutActions } = valid;
    const DATE_MESSAGE = 'must be an RFC 3339 date-time';
    const USER_ID_MESSAGE = 'user_id must be 1 to 128 letters, digits, "_", ".", ":" or "-"';

    it.each([
      { name: 'missing user_id', body: withoutUserId, field: 'user_id', text: USER_ID_MESSAGE },
      {
        name: 'numeric user_id',
        body: { ...valid, user_id: 42 },
        field: 'user_id',
        text: USER_ID_MESSAGE,
      },
      {
        name: 'user_id with spaces',
        body: { ...valid, user_id: 'a b' },
        field: 'user_id',
        text: USER_ID_MESSAGE,
      },
      {
        name: 'missing actions',
        body: withoutActions,
        field: 'actions',
        text: 'actions must be an array',
      },
      {
        name: 'string actions',
        body: { ...valid, actions: 'help' },
        field: 'actions',
        text: 'actions must be an array',
      },
      {
        name: 'null action',
        body: { ...valid, actions: [null] },
        field: 'actions',
        text: 'each item of actions must be an action object',
      },
      {
        name: 'unknown action type',
        body: withAction({ type: 'bribe' }),
        field: 'actions.0.type',
        text: 'actions.0.type must be one of: help, create, share, vote, report, spam, harm',
      },
      {
        name: 'text occurred_at',
        body: withAction({ occurred_at: 'yesterday' }),
        field: 'actions.0.occurred_at',
        text: `actions.0.occurred_at ${DATE_MESSAGE}`,
      },
      {
        name: 'impossible occurred_at',
        body: withAction({ occurred_at: '2026-02-30T12:00:00Z' }),
        field: 'actions.0.occurred_at',
        text: `actions.0.occurred_at ${DATE_MESSAGE}`,
      },
      {
        name: 'week-date occurred_at',
        body: withAction({ occurred_at: '2026-W48-2' }),
        field: 'actions.0.occurred_at',
        text: `actions.0.occurred_at ${DATE_MESSAGE}`,
      },
      {
        name: 'string magnitude',
        body: withAction({ magnitude: '2' }),
        field: 'actions.0.magnitude',
        text: 'actions.0.magnitude must be a number from 0 to 10',
      },
      {
        name: 'magnitude above 10',
        body: withAction({ magnitude: 11 }),
        field: 'actions.0.magnitude',
        text: 'actions.0.magnitude must be a number from 0 to 10',
      },
      {
        name: 'extra action property',
        body: withAction({ weight: 9 }),
        field: 'actions.0.weight',
        text: 'actions.0.weight is not allowed; allowed: type, occurred_at, magnitude',
      },
      {
        name: 'impossible as_of',
        body: { ...valid, as_of: '2026-13-01T00:00:00Z' },
        field: 'as_of',
        text: `as_of ${DATE_MESSAGE}`,
      },
      {
        name: 'week-date as_of',
        body: { ...valid, as_of: '2026-W48-2' },
        field: 'as_of',
        text: `as_of ${DATE_MESSAGE}`,
      },
      {
        name: 'null as_of',
        body: { ...valid, as_of: null },
        field: 'as_of',
        text: `as_of ${DATE_MESSAGE}`,
      },
      {
        name: 'extra property',
        body: { ...valid, score: 99 },
        field: 'score',
        text: 'score is not allowed; allowed: user_id, actions, as_of',
      },
      {
        name: 'too many actions',
        body: { ...valid, actions: Array.from({ length: 1001 }, () => action) },
        field: 'actions',
        text: 'actions must contain at most 1000 items',
      },
      { name: 'array body', body: [valid], field: 'body', text: 'body' },
      { name: 'non-JSON body', body: '{"user_id": "user-42",', field: 'body', text: 'JSON' },
    ])('rejects influence with $name', async ({ body, field, text }) => {
      await expectRejected('/karma/influence', body, field, text);
    });

    const birth = { user_id: 'user-42', event: 'birth', occurred_at: AS_OF };
    const ROLE_MESSAGE = 'role must be a string of 1 to 64 characters (required for role_change)';

    it.each([
      {
        name: 'missing user_id',
        body: { event: 'birth' },
        field: 'user_id',
        text: USER_ID_MESSAGE,
      },
      {
        name: 'numeric user_id',
        body: { ...birth, user_id: 7 },
        field: 'user_id',
        text: USER_ID_MESSAGE,
      },
      {
        name: 'missing event',
        body: { user_id: 'user-42' },
        field: 'event',
        text: 'event must be one of: birth, death, rebirth, role_change, suspension, reinstatement',
      },
      {
        name: 'unknown event',
        body: { ...birth, event: 'ascension' },
        field: 'event',
        text: 'event must be one of: birth, death, rebirth, role_change, suspension, reinstatement',
      },
      {
        name: 'role_change without role',
        body: { ...birth, event: 'role_change' },
        field: 'role',
        text: ROLE_MESSAGE,
      },
      {
        name: 'role_change with empty role',
        body: { ...birth, event: 'role_change', role: '' },
        field: 'role',
        text: ROLE_MESSAGE,
      },
      {
        name: 'numeric role',
        body: { ...birth, event: 'role_change', role: 5 },
        field: 'role',
        text: ROLE_MESSAGE,
      },
      {
        name: 'numeric reason',
        body: { ...birth, reason: 7 },
        field: 'reason',
        text: 'reason must be a string of at most 500 characters',
      },
      {
        name: 'text occurred_at',
        body: { ...birth, occurred_at: 'nope' },
        field: 'occurred_at',
        text: `occurred_at ${DATE_MESSAGE}`,
      },
      {
        name: 'impossible occurred_at',
        body: { ...birth, occurred_at: '2026-02-30T12:00:00Z' },
        field: 'occurred_at',
        text: `occurred_at ${DATE_MESSAGE}`,
      },
      {
        name: 'week-date occurred_at',
        body: { ...birth, occurred_at: '2026-W48-2' },
        field: 'occurred_at',
        text: `occurred_at ${DATE_MESSAGE}`,
      },
      {
        name: 'null occurred_at',
        body: { ...birth, occurred_at: null },
        field: 'occurred_at',
        text: `occurred_at ${DATE_MESSAGE}`,
      },
      {
        name: 'extra property',
        body: { ...birth, karma: 3 },
        field: 'karma',
        text: 'karma is not allowed; allowed: user_id, event, role, previous_role, reason, occurred_at',
      },
      { name: 'array body', body: [birth], field: 'body', text: 'body' },
      { name: 'non-JSON body', body: 'event=birth', field: 'body', text: 'JSON' },
    ])('rejects lifecycle with $name', async ({ body, field, text }) => {
      await expectRejected('/karma/lifecycle', body, field, text);
    });
  });
});
