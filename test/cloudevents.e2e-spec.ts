import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { CloudEvent } from 'cloudevents';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import {
  fromCloudEvent,
  toCloudEvent,
  type CloudEventJson,
  type Envelope,
} from '../src/event-bus/index.js';
import { startKarmaService, type KarmaService } from './support/karma-service.js';
import { SseClient } from './support/sse-client.js';
import { WsTestClient } from './support/ws-client.js';

const BIRTH = { user_id: 'user-7', event: 'birth', occurred_at: '2026-12-03T09:00:00Z' };

/** The 400 body of a request whose `format` is not a known format. */
const INVALID_FORMAT_BODY = {
  statusCode: 400,
  error: 'Bad Request',
  message: ['format must be one of: envelope, cloudevents'],
  field: 'format',
};

/** Sends a WebSocket upgrade and resolves with the HTTP response when the server refuses it. */
function refusedUpgrade(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => {
      socket.terminate();
      reject(new Error(`The upgrade to ${url} was accepted`));
    });
    socket.once('error', () => undefined);
    socket.once('unexpected-response', (_request, response: IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          type: response.headers['content-type'] ?? '',
          body,
        }),
      );
    });
  });
}

describe('CloudEvents format (e2e)', () => {
  let service: KarmaService;
  const clients: { close(): Promise<void> }[] = [];

  beforeEach(async () => {
    service = await startKarmaService();
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) {
      await client.close();
    }
    await service.app.close();
  });

  async function postBirth(correlationId = 'req-7'): Promise<Envelope> {
    const response = await service
      .http()
      .post('/karma/lifecycle')
      .set('x-correlation-id', correlationId)
      .send(BIRTH);
    expect(response.status).toBe(201);
    await service.bus.idle();
    return response.body as Envelope;
  }

  describe('GET /events/history', () => {
    it('returns envelopes by default', async () => {
      const envelope = await postBirth();

      const page = await service.http().get('/events/history?channel=karma.lifecycle');

      expect(page.status).toBe(200);
      expect(page.body).toEqual({ items: [envelope], next_cursor: null });
    });

    it('returns CloudEvents when asked', async () => {
      const envelope = await postBirth();
      const envelopes = await service.http().get('/events/history?limit=10');

      const page = await service.http().get('/events/history?limit=10&format=cloudevents');

      expect(page.status).toBe(200);
      expect(page.body.next_cursor).toBe(envelopes.body.next_cursor);
      const events = page.body.items as CloudEventJson[];
      expect(events).toEqual(
        (envelopes.body.items as Envelope[]).map((item) => toCloudEvent(item)),
      );
      const lifecycle = events.find((event) => event.id === envelope.message_id);
      expect(lifecycle).toMatchObject({
        specversion: '1.0',
        type: 'karma.lifecycle',
        source: 'karma-lifecycle',
        time: envelope.timestamp,
        datacontenttype: 'application/json',
        data: envelope.payload,
        correlationid: 'req-7',
      });
      for (const event of events) {
        expect(new CloudEvent<unknown>(event).validate()).toBe(true);
        expect(fromCloudEvent(event)).toEqual(
          (envelopes.body.items as Envelope[]).find((item) => item.message_id === event.id),
        );
      }
    });

    it.each(['xml', 'CloudEvents', ''])('rejects format=%p', async (format) => {
      const response = await service.http().get(`/events/history?format=${format}`);

      expect(response.status).toBe(400);
      expect(response.body).toEqual(INVALID_FORMAT_BODY);
    });

    it('rejects a repeated format', async () => {
      const response = await service
        .http()
        .get('/events/history?format=cloudevents&format=envelope');

      expect(response.status).toBe(400);
      expect(response.body).toEqual(INVALID_FORMAT_BODY);
    });
  });

  describe('GET /events/stream', () => {
    it('sends CloudEvents when asked', async () => {
      const client = await SseClient.connect(
        `${service.baseUrl}/events/stream?channels=karma.lifecycle&format=cloudevents`,
      );
      clients.push(client);
      expect(client.status).toBe(200);

      const envelope = await postBirth();
      const block = await client.waitForEvent('karma.lifecycle');

      expect(block.id).toBe(envelope.message_id);
      expect(JSON.parse(block.data ?? 'null')).toEqual(toCloudEvent(envelope));
    });

    it('sends envelopes by default', async () => {
      const client = await SseClient.connect(
        `${service.baseUrl}/events/stream?channels=karma.lifecycle`,
      );
      clients.push(client);

      const envelope = await postBirth();
      const block = await client.waitForEvent('karma.lifecycle');

      expect(JSON.parse(block.data ?? 'null')).toEqual(envelope);
    });

    it('rejects an unknown format', async () => {
      const response = await service.http().get('/events/stream?format=json');

      expect(response.status).toBe(400);
      expect(response.body).toEqual(INVALID_FORMAT_BODY);
    });
  });

  describe('WebSocket /events/ws', () => {
    it('sends CloudEvents when asked', async () => {
      const client = await WsTestClient.connect(`${service.wsUrl}/events/ws?format=cloudevents`);
      clients.push(client);
      client.send('subscribe', { subscription_id: 'births', channels: ['karma.lifecycle'] });
      await client.nth('subscribed', 1);

      const envelope = await postBirth();
      const frame = await client.nth<Record<string, unknown>>('message', 1);

      expect(frame.data).toEqual({ subscription_id: 'births', cloudevent: toCloudEvent(envelope) });
    });

    it('sends envelopes by default', async () => {
      const client = await WsTestClient.connect(`${service.wsUrl}/events/ws`);
      clients.push(client);
      client.send('subscribe', { subscription_id: 'births', channels: ['karma.lifecycle'] });
      await client.nth('subscribed', 1);

      const envelope = await postBirth();
      const frame = await client.nth<Record<string, unknown>>('message', 1);

      expect(frame.data).toEqual({ subscription_id: 'births', envelope });
    });

    it.each(['xml', 'cloudevents&format=envelope'])('refuses format=%s', async (format) => {
      const response = await refusedUpgrade(`${service.wsUrl}/events/ws?format=${format}`);

      expect(response.status).toBe(400);
      expect(response.type).toBe('application/json; charset=utf-8');
      expect(JSON.parse(response.body)).toEqual(INVALID_FORMAT_BODY);
    });
  });
});
