import { readFileSync } from 'node:fs';

/** The `$id` of `schemas/event_bus.json`, for `$ref`s from channel schemas. */
export const EVENT_BUS_SCHEMA_ID = 'https://karmachain.dev/schemas/event_bus.json';

/** The location of `schemas/event_bus.json`: three levels up from this file in `src/` and `dist/`. */
const SCHEMA_URL = new URL('../../../schemas/event_bus.json', import.meta.url);

let cachedSchema: Record<string, unknown> | undefined;

/** Reads `schemas/event_bus.json`, the contract of every message format, once per process. */
export function loadEventBusSchema(): Record<string, unknown> {
  cachedSchema ??= JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as Record<string, unknown>;
  return cachedSchema;
}
