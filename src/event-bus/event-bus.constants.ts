/** Injection token of the options given to `forRoot()` or returned by the `forRootAsync()` factory. */
export const EVENT_BUS_OPTIONS = Symbol('EVENT_BUS_OPTIONS');

/** Injection token of the options with defaults applied and every value checked. */
export const EVENT_BUS_RESOLVED_OPTIONS = Symbol('EVENT_BUS_RESOLVED_OPTIONS');

/** Injection token of the transport that stores and carries messages. */
export const EVENT_BUS_TRANSPORT = Symbol('EVENT_BUS_TRANSPORT');

/** Injection token of the EventEmitter2 instance that delivers messages inside one app. */
export const EVENT_BUS_EMITTER = Symbol('EVENT_BUS_EMITTER');

/** Reflect-metadata key under which `@OnChannel` stores its listener records. */
export const ON_CHANNEL_METADATA = Symbol('EVENT_BUS_ON_CHANNEL_METADATA');

/** Messages kept per channel in history when no capacity is configured. */
export const DEFAULT_HISTORY_CAPACITY = 1000;

/** Items returned by a history query that gives no `limit`. */
export const DEFAULT_HISTORY_LIMIT = 50;

/** Largest `limit` a history query accepts. */
export const MAX_HISTORY_LIMIT = 1000;

/** Listeners per channel above which EventEmitter2 warns of a possible leak. */
export const DEFAULT_MAX_LISTENERS_PER_CHANNEL = 100;

/** Deepest nesting of objects and arrays a payload or metadata may have. */
export const DEFAULT_MAX_PAYLOAD_DEPTH = 32;

/** Channel names: two or more dot-separated lowercase segments, such as `karma.feedback`. */
export const CHANNEL_NAME_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/;

/** Dead letters kept by the in-memory transport. */
export const DEFAULT_DEAD_LETTER_CAPACITY = 1000;

/** Metadata key of `@RequiredScope`. */
export const REQUIRED_SCOPE_METADATA = Symbol('EVENT_BUS_REQUIRED_SCOPE');

/** Metadata key of `@AllowApiKeyQuery`. */
export const API_KEY_QUERY_METADATA = Symbol('EVENT_BUS_API_KEY_QUERY');
