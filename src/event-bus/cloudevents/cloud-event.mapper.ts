import type { Envelope, EnvelopeMetadata, JsonValue } from '../envelope/envelope.interface.js';
import type { CloudEventJson, CloudEventOptions } from './cloud-event.interface.js';
import { InvalidCloudEventException } from './invalid-cloud-event.exception.js';

/** The CloudEvents version that `toCloudEvent()` writes and `fromCloudEvent()` reads. */
export const CLOUDEVENTS_SPEC_VERSION = '1.0';

/** The `source` of an event whose envelope has no `metadata.source`, unless the options set one. */
export const DEFAULT_CLOUDEVENT_SOURCE = 'urn:karma-event-bus';

/** Media types `fromCloudEvent()` accepts: JSON, and JSON-based types such as `+json` ones. */
const JSON_CONTENT_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;.*)?$/i;

/** RFC 3339 date-times, as the CloudEvents `time` attribute requires. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Maps an envelope to a CloudEvents 1.0 event in the JSON format, losing nothing:
 * `fromCloudEvent()` with the same options returns an equal envelope.
 *
 * `id` is the `message_id`, `type` the channel, `time` the timestamp and `data` the payload.
 * `metadata.source` becomes `source` (the default source when it has none),
 * `metadata.correlation_id` the extension `correlationid` and `metadata.causation_id` the
 * extension `causationid`. The extension `busmetadata` contains every other metadata key as a JSON
 * object in a string. It is also present when the attributes alone would not restore the
 * metadata: when it is `{}`, or when its `source` equals the default source.
 * @param options the default source
 */
export function toCloudEvent(envelope: Envelope, options: CloudEventOptions = {}): CloudEventJson {
  const defaultSource = options.source ?? DEFAULT_CLOUDEVENT_SOURCE;
  const event: CloudEventJson = {
    specversion: CLOUDEVENTS_SPEC_VERSION,
    id: envelope.message_id,
    source: defaultSource,
    type: envelope.channel,
    time: envelope.timestamp,
    datacontenttype: 'application/json',
    data: envelope.payload,
  };
  if (envelope.metadata === undefined) {
    return event;
  }

  const { source, correlation_id, causation_id, ...rest } = envelope.metadata;
  const unmapped: EnvelopeMetadata = rest;
  if (isAttributeText(source) && source !== defaultSource) {
    event.source = source;
  } else if (source !== undefined) {
    unmapped.source = source;
  }
  if (isAttributeText(correlation_id)) {
    event.correlationid = correlation_id;
  } else if (correlation_id !== undefined) {
    unmapped.correlation_id = correlation_id;
  }
  if (isAttributeText(causation_id)) {
    event.causationid = causation_id;
  } else if (causation_id !== undefined) {
    unmapped.causation_id = causation_id;
  }

  const mappedNothing =
    event.source === defaultSource &&
    event.correlationid === undefined &&
    event.causationid === undefined;
  if (Object.keys(unmapped).length > 0 || mappedNothing) {
    event.busmetadata = JSON.stringify(unmapped);
  }
  return event;
}

/**
 * Maps a CloudEvents 1.0 event in the JSON format back to an envelope; the inverse of
 * `toCloudEvent()` with the same options.
 *
 * It checks the CloudEvents attributes it reads, not the bus's formats: publish the payload to
 * validate it against a channel. `time` is required and normalized to UTC with milliseconds, and
 * an event without `data` gets a `null` payload.
 * @param options the default source, which maps back to "no `metadata.source`"
 * @throws InvalidCloudEventException naming the attribute that is missing or invalid
 */
export function fromCloudEvent(event: unknown, options: CloudEventOptions = {}): Envelope {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new InvalidCloudEventException('event', event, 'a CloudEvent as a JSON object');
  }

  const attributes = event as Record<string, unknown>;
  if (attributes.specversion !== CLOUDEVENTS_SPEC_VERSION) {
    throw new InvalidCloudEventException('specversion', attributes.specversion, '"1.0"');
  }
  checkContent(attributes);
  const envelope = {
    message_id: requiredText(attributes, 'id'),
    channel: requiredText(attributes, 'type'),
    payload: attributes.data === undefined ? null : attributes.data,
    timestamp: normalizedTime(attributes.time),
  };

  const metadata = readMetadata(attributes, options.source ?? DEFAULT_CLOUDEVENT_SOURCE);
  return metadata === undefined ? envelope : { ...envelope, metadata };
}

function checkContent(attributes: Record<string, unknown>): void {
  const contentType = attributes.datacontenttype;
  if (
    contentType !== undefined &&
    (typeof contentType !== 'string' || !JSON_CONTENT_TYPE.test(contentType))
  ) {
    throw new InvalidCloudEventException(
      'datacontenttype',
      contentType,
      'application/json or another JSON media type, or none',
    );
  }
  if (attributes.data_base64 !== undefined) {
    throw new InvalidCloudEventException(
      'data_base64',
      attributes.data_base64,
      'none; binary data has no envelope form, send JSON in data',
    );
  }
}

function readMetadata(
  attributes: Record<string, unknown>,
  defaultSource: string,
): EnvelopeMetadata | undefined {
  const source = requiredText(attributes, 'source');
  const correlationId = optionalText(attributes, 'correlationid');
  const causationId = optionalText(attributes, 'causationid');
  const unmapped = readUnmapped(attributes.busmetadata);

  const mappedNothing =
    source === defaultSource && correlationId === undefined && causationId === undefined;
  if (unmapped === undefined && mappedNothing) {
    return undefined;
  }
  const metadata: EnvelopeMetadata = { ...unmapped };
  if (source !== defaultSource) {
    metadata.source = source;
  }
  if (correlationId !== undefined) {
    metadata.correlation_id = correlationId;
  }
  if (causationId !== undefined) {
    metadata.causation_id = causationId;
  }
  return metadata;
}

function readUnmapped(value: unknown): Record<string, JsonValue> | undefined {
  if (value === undefined) {
    return undefined;
  }

  const allowed = 'a JSON object in a string, such as "{\\"tenant\\":\\"t-1\\"}"';
  if (typeof value !== 'string') {
    throw new InvalidCloudEventException('busmetadata', value, allowed);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidCloudEventException('busmetadata', value, allowed);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidCloudEventException('busmetadata', value, allowed);
  }
  return parsed as Record<string, JsonValue>;
}

/** Returns whether a metadata value fits a CloudEvents string attribute, which is non-empty. */
function isAttributeText(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function requiredText(attributes: Record<string, unknown>, name: string): string {
  const value = attributes[name];
  if (!isAttributeText(value)) {
    throw new InvalidCloudEventException(name, value, 'a non-empty string');
  }
  return value;
}

function optionalText(attributes: Record<string, unknown>, name: string): string | undefined {
  return attributes[name] === undefined ? undefined : requiredText(attributes, name);
}

function normalizedTime(value: unknown): string {
  const allowed = 'an RFC 3339 date-time, such as 2026-12-01T12:00:00.000Z';
  if (typeof value !== 'string' || !RFC3339.test(value)) {
    throw new InvalidCloudEventException('time', value, allowed);
  }
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) {
    throw new InvalidCloudEventException('time', value, allowed);
  }
  return time.toISOString();
}
