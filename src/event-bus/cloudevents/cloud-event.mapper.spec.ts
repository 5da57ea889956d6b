import { describe, expect, it } from '@jest/globals';
import { CloudEvent, HTTP } from 'cloudevents';
import fc from 'fast-check';
import type { Envelope, EnvelopeMetadata, JsonValue } from '../envelope/envelope.interface.js';
import type { CloudEventJson } from './cloud-event.interface.js';
import { DEFAULT_CLOUDEVENT_SOURCE, fromCloudEvent, toCloudEvent } from './cloud-event.mapper.js';
import { InvalidCloudEventException } from './invalid-cloud-event.exception.js';

const FEEDBACK_PAYLOAD = {
  user_id: 'user-42',
  score: 71.52,
  influence: 0.4304,
  signal: 'positive',
  band: 'high',
  action_count: 3,
  as_of: '2026-12-01T12:00:00.000Z',
};

function envelope(metadata?: EnvelopeMetadata, payload: unknown = FEEDBACK_PAYLOAD): Envelope {
  const base = {
    message_id: '9b2f7c1e-4d3a-4b8e-a1c2-d3e4f5a6b7c8',
    channel: 'karma.feedback',
    payload,
    timestamp: '2026-12-01T12:00:00.123Z',
  };
  return metadata === undefined ? base : { ...base, metadata };
}

/** Extension attribute names: lowercase ASCII letters and digits, at most 20 characters. */
const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;
const CONTEXT_ATTRIBUTES = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'time',
  'datacontenttype',
  'data',
]);

const ROUND_TRIP_CASES: [string, Envelope][] = [
  ['no metadata', envelope()],
  ['a source', envelope({ source: 'karma-feedback' })],
  [
    'source and ids',
    envelope({
      source: 'karma-analytics',
      correlation_id: 'req-7',
      causation_id: '3f1c2a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f',
    }),
  ],
  ['ids only', envelope({ correlation_id: 'req-7' })],
  ['empty metadata', envelope({})],
  ['the default source', envelope({ source: DEFAULT_CLOUDEVENT_SOURCE })],
  ['other keys', envelope({ source: 's', tenant: 't-1', trace: { hops: ['a', 'b'], n: 2 } })],
  ['non-string ids', envelope({ correlation_id: 42 as unknown as string, flag: true })],
  ['a string payload', envelope({ source: 's' }, 'plain text')],
  ['a null payload', envelope(undefined, null)],
  ['an array payload', envelope(undefined, [1, 'two', { three: 3 }])],
];

describe('toCloudEvent()', () => {
  it('maps the envelope fields', () => {
    const event = toCloudEvent(
      envelope({
        source: 'karma-analytics',
        correlation_id: 'req-7',
        causation_id: '3f1c2a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f',
      }),
    );

    expect(event).toEqual({
      specversion: '1.0',
      id: '9b2f7c1e-4d3a-4b8e-a1c2-d3e4f5a6b7c8',
      source: 'karma-analytics',
      type: 'karma.feedback',
      time: '2026-12-01T12:00:00.123Z',
      datacontenttype: 'application/json',
      data: FEEDBACK_PAYLOAD,
      correlationid: 'req-7',
      causationid: '3f1c2a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f',
    });
  });

  it('uses the default source', () => {
    expect(toCloudEvent(envelope()).source).toBe('urn:karma-event-bus');
    expect(toCloudEvent(envelope(), { source: '/orders' }).source).toBe('/orders');
  });

  it('adds no extension without metadata', () => {
    const event = toCloudEvent(envelope());

    expect(Object.keys(event).filter((name) => !CONTEXT_ATTRIBUTES.has(name))).toEqual([]);
  });

  it('encodes other keys as JSON', () => {
    const event = toCloudEvent(envelope({ source: 's', tenant: 't-1', trace: { n: 2 } }));

    expect(event.source).toBe('s');
    expect(JSON.parse(event.busmetadata ?? 'missing')).toEqual({ tenant: 't-1', trace: { n: 2 } });
  });

  it('marks empty metadata', () => {
    expect(toCloudEvent(envelope({})).busmetadata).toBe('{}');
  });

  it.each(ROUND_TRIP_CASES)('passes SDK validation (%s)', (_case, message) => {
    const event = toCloudEvent(message);

    const sdkEvent = new CloudEvent<unknown>(event);

    expect(sdkEvent.validate()).toBe(true);
    for (const name of Object.keys(event).filter((key) => !CONTEXT_ATTRIBUTES.has(key))) {
      expect(name).toMatch(EXTENSION_NAME);
    }
  });
});

describe('fromCloudEvent()', () => {
  it.each(ROUND_TRIP_CASES)('restores the envelope (%s)', (_case, message) => {
    expect(fromCloudEvent(toCloudEvent(message))).toEqual(message);
  });

  it.each(ROUND_TRIP_CASES)('restores it after SDK structured mode (%s)', (_case, message) => {
    const sent = HTTP.structured(new CloudEvent<unknown>(toCloudEvent(message)));

    const received = HTTP.toEvent({
      headers: sent.headers,
      body: sent.body,
    }) as CloudEvent<unknown>;

    expect(fromCloudEvent(received.toJSON())).toEqual(message);
  });

  it('restores it after SDK binary mode', () => {
    const message = envelope({ source: 'karma-feedback', correlation_id: 'req-7', tenant: 't-1' });
    const sent = HTTP.binary(new CloudEvent<unknown>(toCloudEvent(message)));

    const received = HTTP.toEvent({
      headers: sent.headers,
      body: sent.body,
    }) as CloudEvent<unknown>;

    expect(sent.headers['ce-correlationid']).toBe('req-7');
    expect(fromCloudEvent(received.toJSON())).toEqual(message);
  });

  it('honours a custom default source', () => {
    const message = envelope({ source: '/orders', tenant: 't-1' });
    const options = { source: '/orders' };

    expect(fromCloudEvent(toCloudEvent(message, options), options)).toEqual(message);
    expect(fromCloudEvent(toCloudEvent(envelope(), options), options)).toEqual(envelope());
  });

  it('reads an event made by the SDK', () => {
    const event = new CloudEvent<unknown>({
      source: '/checkout',
      type: 'orders.created',
      data: { order_id: 'o-1' },
    });

    const message = fromCloudEvent(event.toJSON());

    expect(message).toEqual({
      message_id: event.id,
      channel: 'orders.created',
      payload: { order_id: 'o-1' },
      timestamp: new Date(event.time as string).toISOString(),
      metadata: { source: '/checkout' },
    });
  });

  it('normalizes time to milliseconds in UTC', () => {
    const event = { ...toCloudEvent(envelope()), time: '2026-12-01T13:00:00+01:00' };

    expect(fromCloudEvent(event).timestamp).toBe('2026-12-01T12:00:00.000Z');
  });

  it('gives a null payload without data', () => {
    const { data: _data, ...event } = toCloudEvent(envelope());

    expect(fromCloudEvent(event).payload).toBeNull();
  });

  it('keeps every metadata key', () => {
    const json: fc.Arbitrary<JsonValue> = fc.jsonValue() as fc.Arbitrary<JsonValue>;
    const text = fc.oneof(fc.string(), fc.constant(DEFAULT_CLOUDEVENT_SOURCE));
    const metadata = fc.record(
      {
        source: fc.oneof(text, json),
        correlation_id: fc.oneof(text, json),
        causation_id: fc.oneof(text, json),
        other: fc.dictionary(fc.string(), json),
      },
      { requiredKeys: [] },
    );

    fc.assert(
      fc.property(fc.option(metadata, { nil: undefined }), json, (generated, payload) => {
        const given =
          generated === undefined
            ? undefined
            : (Object.fromEntries(
                Object.entries({ ...generated.other, ...generated, other: undefined }).filter(
                  ([key, value]) => key !== 'other' && value !== undefined,
                ),
              ) as EnvelopeMetadata);
        const message = envelope(given, payload);
        const wire = JSON.parse(JSON.stringify(toCloudEvent(message))) as CloudEventJson;

        expect(fromCloudEvent(wire)).toEqual(JSON.parse(JSON.stringify(message)));
      }),
    );
  });

  describe('when the event is invalid', () => {
    const valid = toCloudEvent(envelope({ source: 's' }));

    it.each<[string, unknown, string]>([
      ['an array', [valid], 'event'],
      ['specversion 0.3', { ...valid, specversion: '0.3' }, 'specversion'],
      ['no id', { ...valid, id: undefined }, 'id'],
      ['an empty type', { ...valid, type: '' }, 'type'],
      ['no source', { ...valid, source: undefined }, 'source'],
      ['no time', { ...valid, time: undefined }, 'time'],
      ['a time without zone', { ...valid, time: '2026-12-01T12:00:00' }, 'time'],
      ['a text datacontenttype', { ...valid, datacontenttype: 'text/plain' }, 'datacontenttype'],
      ['data_base64', { ...valid, data: undefined, data_base64: 'AAE=' }, 'data_base64'],
      ['a number correlationid', { ...valid, correlationid: 7 }, 'correlationid'],
      ['busmetadata not JSON', { ...valid, busmetadata: '{' }, 'busmetadata'],
      ['busmetadata an array', { ...valid, busmetadata: '[1]' }, 'busmetadata'],
      ['busmetadata an object', { ...valid, busmetadata: { a: 1 } }, 'busmetadata'],
    ])('rejects %s', (_case, event, attribute) => {
      let caught: unknown;
      try {
        fromCloudEvent(event);
      } catch (error) {
        caught = error;
      }

      expect(caught).toBeInstanceOf(InvalidCloudEventException);
      expect((caught as InvalidCloudEventException).attribute).toBe(attribute);
      expect((caught as Error).message).toMatch(new RegExp(`^Invalid CloudEvent: ${attribute}=`));
    });

    it('accepts a +json datacontenttype', () => {
      const event = { ...valid, datacontenttype: 'application/cloudevents+json; charset=utf-8' };

      expect(fromCloudEvent(event).payload).toEqual(FEEDBACK_PAYLOAD);
    });
  });
});
