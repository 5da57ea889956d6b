import type { SchemaObject } from './asyncapi-schemas.js';

/** Description of the Server-Sent Events server. */
export const SSE_SERVER_DESCRIPTION = [
  'GET /events/stream sends each matching message as one event whose id is the message_id,',
  'whose event is the channel and whose data is the message as JSON. Query parameters:',
  'channels (names or patterns such as karma.*), payload.<field>=<value> and',
  'metadata.<field>=<value> conditions, last_event_id (or the Last-Event-ID header) to resume,',
  'and format=envelope (the default) or format=cloudevents. A stream that cannot resume starts',
  'with a gap event; at shutdown it gets a shutdown event; an idle stream gets heartbeat comments.',
].join(' ');

/** Description of the WebSocket server. */
export const WS_SERVER_DESCRIPTION = [
  'Each frame is a JSON object {"event", "data"}. Connect with format=envelope (the default) or',
  'format=cloudevents in the query string. Send {"event":"subscribe","data":{"subscription_id",',
  '"channels","payload","metadata","last_event_id"}} and {"event":"unsubscribe","data":',
  '{"subscription_id"}}. Each message arrives as {"event":"message","data":{"subscription_id",',
  '"envelope"}}, or with "cloudevent" in place of "envelope" in the cloudevents format.',
].join(' ');

/** Schema of a message as a CloudEvents 1.0 JSON event, as `toCloudEvent()` builds it. */
export const CLOUD_EVENT_SCHEMA: SchemaObject = {
  type: 'object',
  description:
    'A message as a CloudEvents 1.0 JSON event, sent with format=cloudevents. The extension ' +
    'busmetadata holds the metadata keys that have no attribute of their own, as a JSON object ' +
    'in a string.',
  required: ['specversion', 'id', 'source', 'type', 'time', 'datacontenttype', 'data'],
  properties: {
    specversion: { const: '1.0' },
    id: { description: 'The message_id.', allOf: [{ $ref: '#/components/schemas/uuid' }] },
    source: {
      type: 'string',
      minLength: 1,
      description: 'metadata.source, or urn:karma-event-bus when the message has none.',
    },
    type: { type: 'string', description: 'The channel.' },
    time: {
      description: 'The timestamp.',
      allOf: [{ $ref: '#/components/schemas/isoTimestamp' }],
    },
    datacontenttype: { const: 'application/json' },
    data: { description: 'The payload.' },
    correlationid: { type: 'string', description: 'metadata.correlation_id.' },
    causationid: {
      description: 'metadata.causation_id.',
      allOf: [{ $ref: '#/components/schemas/uuid' }],
    },
    busmetadata: { type: 'string', description: 'The other metadata keys, as a JSON object.' },
  },
};
