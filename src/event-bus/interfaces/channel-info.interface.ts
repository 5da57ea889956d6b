/** State of one channel, as listed by `GET /events/channels`. */
export interface ChannelInfo {
  name: string;
  description: string | null;
  /** Messages published on this channel by this instance since it started. */
  published: number;
  /** Messages of this channel currently in history. */
  in_history: number;
  /** Subscriptions that receive this channel, including those to every channel. */
  subscribers: number;
  /** Listener failures on this channel since this instance started. */
  failed: number;
}
