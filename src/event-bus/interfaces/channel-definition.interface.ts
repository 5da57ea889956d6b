/** A channel registered at runtime, next to its payload type in `EventBusChannels`. */
export interface ChannelDefinition {
  /** Dot-separated lowercase name with at least two segments, such as `orders.created`. */
  name: string;
  /**
   * JSON Schema (draft 2020-12) that every payload must match. It may `$ref` the definitions of
   * `schemas/event_bus.json` by their `$id`. Without a schema, any JSON value is accepted.
   */
  schema?: Record<string, unknown>;
  /** One line on what the channel carries, shown by `GET /events/channels`. */
  description?: string;
}
