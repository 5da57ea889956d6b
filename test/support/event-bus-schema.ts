import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';

/** `schemas/event_bus.json`, parsed. */
export const EVENT_BUS_SCHEMA = JSON.parse(
  readFileSync(new URL('../../schemas/event_bus.json', import.meta.url), 'utf8'),
) as Record<string, unknown> & { $id: string; $defs: Record<string, Record<string, unknown>> };

/**
 * Creates an Ajv (draft 2020-12) instance with `schemas/event_bus.json` registered under its `$id`.
 *
 * Unknown keywords still fail compilation (Ajv's default `strictSchema`). `strictTypes` is off
 * because the `*Message` definitions list `properties` next to an `allOf` whose `$ref` carries
 * `type: "object"`, and Ajv's type check does not follow `$ref`.
 */
export function createSchemaValidator(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strictTypes: false });
  ajv.addSchema(EVENT_BUS_SCHEMA);
  return ajv;
}

/** Validates a value against the schema or one of its definitions and returns Ajv's errors. */
export function schemaErrors(ajv: Ajv2020, value: unknown, definition?: string): ErrorObject[] {
  const ref =
    definition === undefined
      ? EVENT_BUS_SCHEMA.$id
      : `${EVENT_BUS_SCHEMA.$id}#/$defs/${definition}`;
  const validate = ajv.getSchema(ref);
  if (validate === undefined) {
    throw new Error(`No schema at ${ref}`);
  }
  return validate(value) ? [] : [...(validate.errors ?? [])];
}

/** Formats Ajv errors one per line, as `instancePath keyword: message`. */
export function formatSchemaErrors(errors: readonly ErrorObject[]): string {
  return errors
    .map((error) => `${error.instancePath || '/'} ${error.keyword}: ${error.message ?? ''}`)
    .join('\n');
}
