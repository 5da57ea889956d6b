import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { CloudEvent } from 'cloudevents';
import { toCloudEvent, type Envelope } from '../src/event-bus/index.js';
import { startKarmaService, type KarmaService } from './support/karma-service.js';

const INFLUENCE_REQUEST = {
  user_id: 'user-42',
  as_of: '2026-12-03T12:00:00Z',
  actions: [{ type: 'help', occurred_at: '2026-12-01T12:00:00Z' }],
};

const INVALID_FORMAT_BODY = {
  statusCode: 400,
  error: 'Bad Request',
  message: ['format must be one of: envelope, cloudevents'],
  field: 'format',
};

/** A UUID v4 that no message has. */
const UNKNOWN_ID = '3f1c2a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f';

describe('GET /events/:message_id and /trace (e2e)', () => {
  let service: KarmaService;
  let feedback: Envelope;
  let analytics: Envelope;

  beforeEach(async () => {
    service = await startKarmaService();
    const response = await service
      .http()
      .post('/karma/influence')
      .set('X-Correlation-Id', 'req-42')
      .send(INFLUENCE_REQUEST);
    expect(response.status).toBe(200);
    await service.bus.idle();

    // The analytics listener publishes one summary caused by the feedback message.
    const history = await service.bus.history({ order: 'asc' });
    [feedback, analytics] = history.items;
  });

  afterEach(async () => {
    await service.app.close();
  });

  it('links the summary to its feedback', () => {
    expect(feedback.channel).toBe('karma.feedback');
    expect(analytics.channel).toBe('karma.analytics');
    expect(analytics.metadata?.causation_id).toBe(feedback.message_id);
  });

  describe('GET /events/:message_id', () => {
    it('returns the envelope', async () => {
      const response = await service.http().get(`/events/${feedback.message_id}`);

      expect(response.status).toBe(200);
      expect(response.body).toEqual(feedback);
    });

    it('returns a CloudEvent when asked', async () => {
      const response = await service
        .http()
        .get(`/events/${feedback.message_id}?format=cloudevents`);

      expect(response.status).toBe(200);
      expect(response.body).toEqual(toCloudEvent(feedback));
      expect(new CloudEvent<unknown>(response.body as object).validate()).toBe(true);
    });

    it('returns 404 for an unknown id', async () => {
      const response = await service.http().get(`/events/${UNKNOWN_ID}`);

      expect(response.status).toBe(404);
      expect(response.body.message).toBe(`Message ${UNKNOWN_ID} is not in history`);
    });

    it.each(['xml', ''])('rejects format=%p', async (format) => {
      const response = await service.http().get(`/events/${feedback.message_id}?format=${format}`);

      expect(response.status).toBe(400);
      expect(response.body).toEqual(INVALID_FORMAT_BODY);
    });

    it('rejects an unknown parameter', async () => {
      const response = await service.http().get(`/events/${feedback.message_id}?page=2`);

      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: ['page is not allowed; allowed: format'],
        field: 'page',
      });
    });
  });

  describe('GET /events/:message_id/trace', () => {
    it('returns the chain of caused messages', async () => {
      const response = await service.http().get(`/events/${feedback.message_id}/trace`);

      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        message: feedback,
        caused: [{ message: analytics, caused: [] }],
      });
    });

    it('returns CloudEvents when asked', async () => {
      const response = await service
        .http()
        .get(`/events/${feedback.message_id}/trace?format=cloudevents`);

      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        message: toCloudEvent(feedback),
        caused: [{ message: toCloudEvent(analytics), caused: [] }],
      });
    });

    it('starts at any message of the chain', async () => {
      const response = await service.http().get(`/events/${analytics.message_id}/trace`);

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ message: analytics, caused: [] });
    });

    it('rejects an invalid format', async () => {
      const response = await service
        .http()
        .get(`/events/${feedback.message_id}/trace?format=CloudEvents`);

      expect(response.status).toBe(400);
      expect(response.body).toEqual(INVALID_FORMAT_BODY);
    });

    it('returns 404 for an unknown id', async () => {
      const response = await service.http().get(`/events/${UNKNOWN_ID}/trace?format=cloudevents`);

      expect(response.status).toBe(404);
      expect(response.body.message).toBe(`Message ${UNKNOWN_ID} is not in history`);
    });
  });
});
