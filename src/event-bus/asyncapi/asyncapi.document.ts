import type { ChannelDefinition } from '../interfaces/channel-definition.interface.js';
import {
  channelPayloadSchema,
  eventBusComponentSchemas,
  payloadExamples,
  type SchemaObject,
} from './asyncapi-schemas.js';
import {
  CLOUD_EVENT_SCHEMA,
  SSE_SERVER_DESCRIPTION,
  WS_SERVER_DESCRIPTION,
} from './asyncapi.texts.js';

/** Input of `buildAsyncApiDocument()`: the channels, the schema and the servers' address. */
export interface AsyncApiDocumentOptions {
  /** The registered channels, in registration order. */
  channels: readonly ChannelDefinition[];
  /** `schemas/event_bus.json`, parsed. */
  eventBusSchema: SchemaObject;
  /** Host and port the streams are served on, such as `127.0.0.1:3000`. */
  host: string;
  /** Whether clients reach the service over TLS (`https` and `wss`). */
  secure: boolean;
  /** Whether the WebSocket gateway at `/events/ws` is served. */
  websocket: boolean;
  /** `info.version` of the document. */
  version: string;
}

/** Sample envelope fields of the message examples. */
const EXAMPLE_MESSAGE_ID = '9b2f7c1e-4d3a-4b8e-a1c2-d3e4f5a6b7c8';
const EXAMPLE_TIMESTAMP = '2026-12-01T12:00:00.123Z';

/**
 * Builds an AsyncAPI 3.0 document of a bus: one channel per registered channel, each with its
 * message as an envelope and as a CloudEvent, sent by the service over Server-Sent Events at
 * `/events/stream` and over the WebSocket gateway at `/events/ws`. The schemas are the
 * definitions of `schemas/event_bus.json` and the channels' own schemas, embedded as components.
 */
export function buildAsyncApiDocument(options: AsyncApiDocumentOptions): SchemaObject {
  const schemas: Record<string, SchemaObject> = {
    ...eventBusComponentSchemas(options.eventBusSchema),
    cloudEvent: CLOUD_EVENT_SCHEMA,
  };
  const servers = buildServers(options);
  const serverRefs = Object.keys(servers).map((name) => ({ $ref: `#/servers/${name}` }));

  const channels: Record<string, SchemaObject> = {};
  const operations: Record<string, SchemaObject> = {};
  const messages: Record<string, SchemaObject> = {};
  for (const definition of options.channels) {
    const { name } = definition;
    const payload = channelPayloadSchema(definition, schemas);
    const examples = payloadExamples(payload, schemas);
    messages[`${name}.envelope`] = envelopeMessage(name, payload, examples);
    messages[`${name}.cloudevent`] = cloudEventMessage(name, payload);

    channels[name] = {
      address: name,
      ...(definition.description === undefined ? {} : { description: definition.description }),
      servers: serverRefs,
      messages: {
        envelope: { $ref: `#/components/messages/${name}.envelope` },
        cloudevent: { $ref: `#/components/messages/${name}.cloudevent` },
      },
    };
    operations[`send.${name}`] = {
      action: 'send',
      summary: `Sends each message published on ${name} to the subscribed stream clients.`,
      channel: { $ref: `#/channels/${name}` },
      messages: [
        { $ref: `#/channels/${name}/messages/envelope` },
        { $ref: `#/channels/${name}/messages/cloudevent` },
      ],
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'karma-event-bus',
      version: options.version,
      description:
        'Messages of the event bus, as its live streams deliver them. Each channel has one ' +
        'message in two forms: the envelope (the default) and, with format=cloudevents, a ' +
        'CloudEvents 1.0 JSON event.',
    },
    defaultContentType: 'application/json',
    servers,
    channels,
    operations,
    components: { schemas, messages },
  };
}

function buildServers(options: AsyncApiDocumentOptions): Record<string, SchemaObject> {
  const servers: Record<string, SchemaObject> = {
    sse: {
      host: options.host,
      protocol: options.secure ? 'https' : 'http',
      pathname: '/events/stream',
      title: 'Server-Sent Events',
      description: SSE_SERVER_DESCRIPTION,
    },
  };
  if (options.websocket) {
    servers.websocket = {
      host: options.host,
      protocol: options.secure ? 'wss' : 'ws',
      pathname: '/events/ws',
      title: 'WebSocket',
      description: WS_SERVER_DESCRIPTION,
    };
  }
  return servers;
}

function envelopeMessage(
  channel: string,
  payload: SchemaObject,
  examples: unknown[],
): SchemaObject {
  return {
    name: channel,
    title: `${channel} envelope`,
    contentType: 'application/json',
    payload: {
      allOf: [{ $ref: '#/components/schemas/envelope' }],
      properties: { channel: { const: channel }, payload },
    },
    ...(examples.length === 0
      ? {}
      : {
          examples: examples.map((example) => ({
            payload: {
              message_id: EXAMPLE_MESSAGE_ID,
              channel,
              payload: example,
              timestamp: EXAMPLE_TIMESTAMP,
            },
          })),
        }),
  };
}

function cloudEventMessage(channel: string, payload: SchemaObject): SchemaObject {
  return {
    name: channel,
    title: `${channel} CloudEvent`,
    contentType: 'application/cloudevents+json',
    payload: {
      allOf: [{ $ref: '#/components/schemas/cloudEvent' }],
      properties: { type: { const: channel }, data: payload },
    },
  };
}
