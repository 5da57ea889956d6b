/** Format of the bus's log lines: plain text, or objects for a JSON logger. */
export type LogFormat = 'text' | 'json';

/** Ids a log line refers to. */
export interface LogFields {
  channel?: string;
  message_id?: string;
  listener?: string;
  [key: string]: string | number | undefined;
}

/**
 * Returns a log message: the text alone in `text` format, or an object with the text and the
 * ids as fields in `json` format, which Nest's `ConsoleLogger({ json: true })` writes as one
 * JSON line.
 */
export function logEntry(
  format: LogFormat,
  text: string,
  fields: LogFields,
): string | ({ message: string } & LogFields) {
  return format === 'json' ? { message: text, ...fields } : text;
}
