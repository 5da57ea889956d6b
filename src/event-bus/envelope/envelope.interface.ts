/** A JSON value, as carried in payloads and metadata. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A type whose objects and arrays are read-only at every depth, as published messages are. */
export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** Optional context that travels with a message. */
export interface EnvelopeMetadata {
  /** The component that published the message, such as `karma-feedback`. */
  source?: string;
  /** An id shared by every message of one business flow. */
  correlation_id?: string;
  /** The `message_id` of the message whose handling caused this one. */
  causation_id?: string;
  [key: string]: JsonValue | undefined;
}

/**
 * A published message. It is frozen at every depth: no subscriber can change what others see.
 */
export interface Envelope<C extends string = string, P = unknown> {
  /** A random UUID v4 that identifies the message. */
  readonly message_id: string;
  /** The channel the message was published on. */
  readonly channel: C;
  /** The channel-specific content, validated against the channel's schema. */
  readonly payload: DeepReadonly<P>;
  /** The publish time in ISO 8601 UTC with milliseconds, such as `2026-01-31T12:00:00.000Z`. */
  readonly timestamp: string;
  /** Optional context; absent when the publisher gave none. */
  readonly metadata?: Readonly<EnvelopeMetadata>;
}
