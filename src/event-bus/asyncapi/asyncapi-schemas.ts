import type { ChannelDefinition } from '../interfaces/channel-definition.interface.js';
import { EVENT_BUS_SCHEMA_ID } from '../validation/event-bus-schema.js';

/** A JSON Schema, or any part of one. */
export type SchemaObject = Record<string, unknown>;

/** Prefix of a reference to a reusable schema of the document. */
const COMPONENT_SCHEMAS = '#/components/schemas/';

/** The start of a reference into the `$defs` of `schemas/event_bus.json` by its `$id`. */
const EVENT_BUS_DEFINITIONS = `${EVENT_BUS_SCHEMA_ID}#/$defs/`;

/** The start of a reference from inside `schemas/event_bus.json` to one of its definitions. */
const LOCAL_DEFINITIONS = '#/$defs/';

/**
 * Turns each definition of `schemas/event_bus.json` into a component schema of the same name.
 * AsyncAPI resolves `$ref`s against the document, not against a schema's `$id`, so every
 * reference between the definitions is rewritten to point at `#/components/schemas/<name>`.
 */
export function eventBusComponentSchemas(
  eventBusSchema: SchemaObject,
): Record<string, SchemaObject> {
  const definitions = (eventBusSchema.$defs ?? {}) as Record<string, SchemaObject>;
  return Object.fromEntries(
    Object.entries(definitions).map(([name, definition]) => [
      name,
      rewriteRefs(definition, (ref) =>
        ref.startsWith(LOCAL_DEFINITIONS)
          ? `${COMPONENT_SCHEMAS}${ref.slice(LOCAL_DEFINITIONS.length)}`
          : undefined,
      ) as SchemaObject,
    ]),
  );
}

/**
 * Returns the schema of a channel's payload for the document: a reference to a component
 * schema. A channel schema that only refers to a definition of `schemas/event_bus.json` refers
 * to that definition's component. Any other schema becomes the component `<channel>.payload`,
 * added to `components`, and its own `#/...` references point into that component.
 */
export function channelPayloadSchema(
  definition: ChannelDefinition,
  components: Record<string, SchemaObject>,
): SchemaObject {
  if (definition.schema === undefined) {
    return { description: 'Any JSON value: this channel has no schema.' };
  }

  const key = `${definition.name}.payload`;
  const local = (ref: string) =>
    ref === '#' || ref.startsWith('#/') ? `${COMPONENT_SCHEMAS}${key}${ref.slice(1)}` : undefined;
  const { $schema: _dialect, $id: _id, ...schema } = definition.schema;
  const rewritten = rewriteRefs(schema, local) as SchemaObject;
  const keys = Object.keys(rewritten);
  if (keys.length === 1 && keys[0] === '$ref') {
    return rewritten;
  }
  components[key] = rewritten;
  return { $ref: `${COMPONENT_SCHEMAS}${key}` };
}

/** Returns the `examples` of a channel's payload schema, following one `$ref` to a component. */
export function payloadExamples(
  payloadSchema: SchemaObject,
  components: Record<string, SchemaObject>,
): unknown[] {
  const ref = payloadSchema.$ref;
  const schema =
    typeof ref === 'string' && ref.startsWith(COMPONENT_SCHEMAS)
      ? components[ref.slice(COMPONENT_SCHEMAS.length)]
      : payloadSchema;
  return Array.isArray(schema?.examples) ? schema.examples : [];
}

/**
 * Copies a schema and points every `$ref` into `schemas/event_bus.json` (by its `$id`) at the
 * component of that definition. `mapOther` maps the other references, and a reference for which
 * it returns undefined stays as it is.
 */
function rewriteRefs(value: unknown, mapOther: (ref: string) => string | undefined): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => rewriteRefs(item, mapOther));
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }

  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      if (key !== '$ref' || typeof item !== 'string') {
        return [key, rewriteRefs(item, mapOther)];
      }
      const rewritten = item.startsWith(EVENT_BUS_DEFINITIONS)
        ? `${COMPONENT_SCHEMAS}${item.slice(EVENT_BUS_DEFINITIONS.length)}`
        : mapOther(item);
      return [key, rewritten ?? item];
    }),
  );
}
