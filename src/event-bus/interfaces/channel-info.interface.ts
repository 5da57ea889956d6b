/** State of one channel, as listed by `GET /events/channels`. */
export interface ChannelInfo {
  name: string;
  description: string | null;
  /** Messages published on this channel by this instance since it started. */
  published: number;
  /** Messages of this channel currently in history. */
  in_history: number;
  /** Subscriptions on this instance that receive this channel: its own, group listeners and those to every channel. */
  subscribers: number;
  /** Listener failures on this channel since this instance started. */
  failed: number;
}

/** Readiness of a bus, as `EventBusService.status()` reports it. */
export interface EventBusStatus {
  transport: 'memory' | 'redis';
  /** True once `@OnChannel` listeners are bound and delivery has started. */
  listenersBound: boolean;
  /** True when the transport replied to a ping just now (always true in memory). */
  transportReachable: boolean;
  /** False once the app began shutting down. */
  accepting: boolean;
}
