/** Names of the Redis keys of one bus. Each channel's keys share a hash tag. */
export class RedisKeys {
  constructor(private readonly prefix: string) {}

  /** The stream of a channel's messages. */
  stream(channel: string): string {
    return `${this.prefix}{${channel}}:stream`;
  }

  /** The list of a channel's message ids, in stream order, trimmed with the stream. */
  ids(channel: string): string {
    return `${this.prefix}{${channel}}:ids`;
  }

  /** The hash from a channel's message ids to their stream entry ids. */
  index(channel: string): string {
    return `${this.prefix}{${channel}}:index`;
  }

  /**
   * The hash that orders entry ids across channels. NOTE: it lives in its own cluster slot, so
   * the publish script needs a standalone (or Sentinel) Redis, not Redis Cluster.
   */
  clock(): string {
    return `${this.prefix}clock`;
  }

  /** The stream of messages that failed every delivery to a group listener. */
  deadLetters(): string {
    return `${this.prefix}dead-letters`;
  }
}
