import { afterEach, describe, expect, it } from '@jest/globals';
import { Parser, DiagnosticSeverity, type AsyncAPIDocumentInterface } from '@asyncapi/parser';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Ajv } from 'ajv';
import request from 'supertest';
import {
  EventBusModule,
  toCloudEvent,
  type ChannelDefinition,
  type Envelope,
} from '../src/event-bus/index.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { SERVICE_HOST, startKarmaService, type KarmaService } from './support/karma-service.js';

const ORDERS_CREATED: ChannelDefinition = {
  name: 'orders.created',
  description: 'Orders accepted by the checkout',
  schema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    required: ['order_id', 'lines'],
    additionalProperties: false,
    properties: {
      order_id: { type: 'string', minLength: 1 },
      user_id: { $ref: 'https://karmachain.dev/schemas/event_bus.json#/$defs/userId' },
      lines: { type: 'array', items: { $ref: '#/$defs/line' } },
    },
    $defs: {
      line: {
        type: 'object',
        required: ['sku', 'qty'],
        properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } },
      },
    },
    examples: [{ order_id: 'o-1', lines: [{ sku: 'tea', qty: 2 }] }],
  },
};

/** Parses an AsyncAPI document and fails with every error diagnostic the parser reports. */
async function parseAsyncApi(document: unknown): Promise<AsyncAPIDocumentInterface> {
  const { document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(document));
  const errors = diagnostics
    .filter((diagnostic) => Number(diagnostic.severity) === Number(DiagnosticSeverity.Error))
    .map((diagnostic) => `${diagnostic.path.join('.')}: ${diagnostic.message}`);

  expect(errors).toEqual([]);
  if (parsed === undefined) {
    throw new Error('The parser returned no document');
  }
  return parsed;
}

/** Compiles the resolved payload schema of one message of a channel. */
function payloadValidator(document: AsyncAPIDocumentInterface, channel: string, message: string) {
  const schema = document.channels().get(channel)?.messages().get(message)?.payload()?.json();
  if (schema === undefined) {
    throw new Error(`No payload schema for message ${message} of ${channel}`);
  }
  return new Ajv({ strict: false, allErrors: true }).compile(schema);
}

describe('GET /events/asyncapi.json (e2e)', () => {
  let service: KarmaService | undefined;
  let app: INestApplication | undefined;

  afterEach(async () => {
    await service?.app.close();
    await app?.close();
    service = undefined;
    app = undefined;
  });

  describe('when the service serves it', () => {
    it('is a valid AsyncAPI 3 document', async () => {
      service = await startKarmaService();

      const response = await service.http().get('/events/asyncapi.json');

      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body.asyncapi).toBe('3.0.0');
      const document = await parseAsyncApi(response.body);
      expect(document.version()).toBe('3.0.0');
    });

    it('lists every registered channel', async () => {
      service = await startKarmaService();
      const channels = await service.http().get('/events/channels');

      const response = await service.http().get('/events/asyncapi.json');
      const document = await parseAsyncApi(response.body);

      const registered = (channels.body.items as { name: string; description: string }[]).map(
        ({ name, description }) => ({ name, description }),
      );
      expect(
        document
          .channels()
          .all()
          .map((channel) => ({ name: channel.address(), description: channel.description() })),
      ).toEqual(registered);
      expect(
        document
          .operations()
          .all()
          .map((operation) => [operation.action(), operation.channels().all()[0]?.address()]),
      ).toEqual(registered.map(({ name }) => ['send', name]));
    });

    it('names both stream servers', async () => {
      service = await startKarmaService();
      const host = new URL(service.baseUrl).host;

      const response = await service.http().get('/events/asyncapi.json');
      const document = await parseAsyncApi(response.body);

      const servers = document
        .servers()
        .all()
        .map((server) => [server.id(), server.protocol(), server.host(), server.pathname()]);
      expect(servers).toEqual([
        ['sse', 'http', host, '/events/stream'],
        ['websocket', 'ws', host, '/events/ws'],
      ]);
      expect(host).toMatch(new RegExp(`^${SERVICE_HOST.replace(/\./g, '\\.')}:\\d+$`));
    });

    it('describes the messages sent', async () => {
      service = await startKarmaService();
      const posted = await service
        .http()
        .post('/karma/lifecycle')
        .send({ user_id: 'user-7', event: 'role_change', role: 'moderator' });
      expect(posted.status).toBe(201);
      const envelope = posted.body as Envelope;

      const response = await service.http().get('/events/asyncapi.json');
      const document = await parseAsyncApi(response.body);

      const asEnvelope = payloadValidator(document, 'karma.lifecycle', 'envelope');
      const asCloudEvent = payloadValidator(document, 'karma.lifecycle', 'cloudevent');
      expect(asEnvelope(envelope)).toBe(true);
      expect(asCloudEvent(toCloudEvent(envelope))).toBe(true);
      expect(
        asEnvelope({ ...envelope, payload: { ...(envelope.payload as object), event: 'bribe' } }),
      ).toBe(false);
      expect(asEnvelope({ ...envelope, channel: 'karma.feedback' })).toBe(false);
      expect(asCloudEvent({ ...toCloudEvent(envelope), specversion: '0.3' })).toBe(false);
    });

    it('uses localhost for an odd Host header', async () => {
      service = await startKarmaService();

      const response = await service
        .http()
        .get('/events/asyncapi.json')
        .set('Host', 'evil.example"><script>');

      expect(response.status).toBe(200);
      expect(response.body.servers.sse.host).toBe('localhost');
    });

    it('leaves message routes working', async () => {
      service = await startKarmaService();

      const response = await service.http().get('/events/3f1c2a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f');

      expect(response.status).toBe(404);
      expect(response.body.message).toBe(
        'Message 3f1c2a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f is not in history',
      );
    });
  });

  describe('when an app adds channels', () => {
    async function startApp(): Promise<string> {
      const moduleRef = await Test.createTestingModule({
        imports: [EventBusModule.forRoot({ channels: [ORDERS_CREATED] })],
      })
        .setLogger(new CapturingLogger())
        .compile();
      app = moduleRef.createNestApplication({ logger: new CapturingLogger() });
      await app.listen(0, SERVICE_HOST);
      return app.getUrl();
    }

    it('embeds the channel schema', async () => {
      const url = await startApp();

      const response = await request(url).get('/events/asyncapi.json');
      const document = await parseAsyncApi(response.body);

      expect(document.channels().get('orders.created')?.description()).toBe(
        'Orders accepted by the checkout',
      );
      const validate = payloadValidator(document, 'orders.created', 'envelope');
      const order = {
        message_id: '9b2f7c1e-4d3a-4b8e-a1c2-d3e4f5a6b7c8',
        channel: 'orders.created',
        payload: { order_id: 'o-1', user_id: 'user-42', lines: [{ sku: 'tea', qty: 2 }] },
        timestamp: '2026-12-01T12:00:00.123Z',
      };
      expect(validate(order)).toBe(true);
      expect(validate({ ...order, payload: { ...order.payload, user_id: 'user 42' } })).toBe(false);
      expect(validate({ ...order, payload: { ...order.payload, lines: [{ sku: 'tea' }] } })).toBe(
        false,
      );
    });

    it('keeps the schema examples', async () => {
      const url = await startApp();

      const response = await request(url).get('/events/asyncapi.json');

      expect(response.body.components.messages['orders.created.envelope'].examples).toEqual([
        {
          payload: {
            message_id: '9b2f7c1e-4d3a-4b8e-a1c2-d3e4f5a6b7c8',
            channel: 'orders.created',
            payload: { order_id: 'o-1', lines: [{ sku: 'tea', qty: 2 }] },
            timestamp: '2026-12-01T12:00:00.123Z',
          },
        },
      ]);
    });

    it('leaves out the WebSocket server', async () => {
      const url = await startApp();

      const response = await request(url).get('/events/asyncapi.json');

      expect(Object.keys(response.body.servers)).toEqual(['sse']);
    });
  });
});
