import type { Envelope } from '../envelope/envelope.interface.js';
import type { CloudEventJson } from './cloud-event.interface.js';
import { toCloudEvent } from './cloud-event.mapper.js';

/** The forms in which the HTTP routes and streams return messages. */
export const MESSAGE_FORMATS = ['envelope', 'cloudevents'] as const;

/** `envelope` (the default) or `cloudevents` (CloudEvents 1.0 JSON, from `toCloudEvent()`). */
export type MessageFormat = (typeof MESSAGE_FORMATS)[number];

/** Returns a message in the requested form. */
export function formatMessage(
  envelope: Envelope,
  format: MessageFormat,
): Envelope | CloudEventJson {
  return format === 'cloudevents' ? toCloudEvent(envelope) : envelope;
}

/** Returns whether a value is one of `MESSAGE_FORMATS`. */
export function isMessageFormat(value: unknown): value is MessageFormat {
  return (MESSAGE_FORMATS as readonly unknown[]).includes(value);
}

/** The message of a request whose `format` is not one of `MESSAGE_FORMATS`. */
export const INVALID_FORMAT_MESSAGE = `format must be one of: ${MESSAGE_FORMATS.join(', ')}`;

/**
 * Reads the `format` parameter of a query string: `envelope` when it is absent, undefined when
 * it is repeated or not one of `MESSAGE_FORMATS`.
 */
export function formatFromQuery(query: URLSearchParams): MessageFormat | undefined {
  const values = query.getAll('format');
  if (values.length === 0) {
    return 'envelope';
  }
  return values.length === 1 && isMessageFormat(values[0]) ? values[0] : undefined;
}
