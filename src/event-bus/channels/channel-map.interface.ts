import type {
  KarmaAnalyticsPayload,
  KarmaFeedbackPayload,
  KarmaLifecyclePayload,
} from './karma.channels.js';
import type { Envelope } from '../envelope/envelope.interface.js';

/**
 * Channel name to payload type map that types `publish`, `subscribe` and `@OnChannel`.
 *
 * Applications add their channels by declaration merging, next to the runtime registration in
 * `EventBusModule.forRoot({ channels })`.
 * @example
 * declare module 'karma-event-bus' {
 *   interface EventBusChannels {
 *     'orders.created': { order_id: string };
 *   }
 * }
 */
export interface EventBusChannels {
  'karma.feedback': KarmaFeedbackPayload;
  'karma.lifecycle': KarmaLifecyclePayload;
  'karma.analytics': KarmaAnalyticsPayload;
}

/** A channel name known to the type system. */
export type ChannelName<M = EventBusChannels> = keyof M & string;

/** The envelope type of one channel. */
export type ChannelEnvelope<C extends ChannelName<M>, M = EventBusChannels> = Envelope<C, M[C]>;

/** The envelope type of any channel of a map. */
export type AnyChannelEnvelope<M = EventBusChannels> = {
  [C in ChannelName<M>]: Envelope<C, M[C]>;
}[ChannelName<M>];

/** A channel pattern in which `*` stands for one segment, such as `karma.*`. */
export type ChannelPattern = `${string}*${string}`;

/**
 * The map a bus is typed with: `M`, or `EventBusChannels` when `M` has no keys, as when
 * `app.get(EventBusService)` infers the bare constraint `object`.
 */
export type ChannelMapOf<M> = [keyof M] extends [never] ? EventBusChannels : M;

type IsUnion<T, All = T> = T extends unknown ? ([All] extends [T] ? false : true) : never;

/**
 * The payload type of one channel of a map; `never` when `C` is a union of channels, so a
 * payload cannot be checked against only one of them.
 */
export type PayloadOf<M, C extends keyof M> = true extends IsUnion<C> ? never : M[C];
