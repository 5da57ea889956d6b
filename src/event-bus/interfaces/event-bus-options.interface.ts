import type { ChannelDefinition } from './channel-definition.interface.js';

/** Transport that keeps messages in this process only. */
export interface MemoryTransportOptions {
  type: 'memory';
}

/** Transport that carries messages between instances on Redis Streams. */
export interface RedisTransportOptions {
  type: 'redis';
  /** Redis URL, such as `redis://127.0.0.1:6379/0`. */
  url: string;
  /** Prefix of every key the bus writes. @default 'karma-bus:' */
  keyPrefix?: string;
  /** Approximate number of messages kept per channel stream (`XADD MAXLEN ~`). @default 10000 */
  maxLen?: number;
  /** Per-channel overrides of `maxLen`. @default {} */
  maxLenByChannel?: Record<string, number>;
  /** How long one blocking read waits for new messages before it is issued again. @default 5000 */
  blockMs?: number;
  /** Idle time after which a pending group message is reclaimed from its consumer. @default 30000 */
  claimIdleMs?: number;
  /** Deliveries of a group message before it moves to the dead-letter stream. @default 5 */
  maxDeliveries?: number;
  /** Delay before the first retry of a failed group message; doubles per retry. @default 100 */
  retryBaseMs?: number;
  /** Maximum delay between retries of a failed group message. @default 5000 */
  retryMaxMs?: number;
  /** How long start-up keeps trying to reach Redis before it fails. @default 10000 */
  connectTimeoutMs?: number;
  /** Name of this instance in consumer groups. @default `<hostname>:<pid>` */
  consumerName?: string;
  /** Approximate number of dead letters kept. @default 10000 */
  deadLetterMaxLen?: number;
}

/** Options of the live streams (`GET /events/stream` and the WebSocket gateway). */
export interface StreamOptions {
  /** Interval of the SSE heartbeat comment that keeps idle connections open. @default 15000 */
  heartbeatMs?: number;
  /** Bytes a client may leave unread before its stream is closed. @default 1048576 */
  maxBufferedBytes?: number;
}

/** A permission an API key grants: reading (history, streams) or publishing. */
export type ApiKeyScope = 'read' | 'publish';

/** One API key and its scopes. */
export interface ApiKeyDefinition {
  /** The secret clients send as `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
  key: string;
  scopes: ApiKeyScope[];
}

/** Access control of the bus's HTTP routes, streams and WebSocket gateway. */
export interface AuthOptions {
  /** Accepted keys; with none, every route is open and start-up logs a warning. @default [] */
  apiKeys?: ApiKeyDefinition[];
}

/** Options of `EventBusModule.forRoot()` and of the factory given to `forRootAsync()`. */
export interface EventBusModuleOptions {
  /** Transport that stores and carries messages. @default { type: 'memory' } */
  transport?: MemoryTransportOptions | RedisTransportOptions;
  /** Channels added to the built-in `karma.*` channels. @default [] */
  channels?: ChannelDefinition[];
  /** Messages kept in history per channel; older ones are evicted. @default 1000 */
  historyCapacity?: number;
  /** Deepest nesting of objects and arrays accepted in a payload or its metadata. @default 32 */
  maxPayloadDepth?: number;
  /** Most keys of one object, or items of one array, in a payload or its metadata. @default 1000 */
  maxPayloadKeys?: number;
  /**
   * `json` logs objects with `channel`, `message_id` and `listener` fields, for
   * `new ConsoleLogger({ json: true })`; `text` logs plain sentences. @default 'text'
   */
  logFormat?: 'text' | 'json';
  /** API keys that guard the routes, streams and gateway. */
  auth?: AuthOptions;
  /** Listeners per channel above which EventEmitter2 warns of a possible leak. @default 100 */
  maxListenersPerChannel?: number;
  /** Time shutdown waits for running handlers before closing connections. @default 10000 */
  shutdownTimeoutMs?: number;
  /** Live stream settings. */
  stream?: StreamOptions;
}

/** Options that `EventBusModule.forRoot()` takes outside the factory, in both forms. */
export interface EventBusModuleExtras {
  /** Registers the module globally, so other modules inject the bus without importing it. */
  isGlobal: boolean;
  /** Serves the `/events` REST routes and the SSE stream from this module. */
  http: boolean;
  /**
   * Serves the WebSocket gateway at `/events/ws`. The app must use the `ws` adapter:
   * `app.useWebSocketAdapter(new WsAdapter(app))` from `@nestjs/platform-ws`.
   */
  websocket: boolean;
}
