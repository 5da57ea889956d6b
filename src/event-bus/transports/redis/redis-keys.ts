/**
 * Names of the Redis keys of one bus. Each channel's keys share a hash tag, so its publish
 * script touches a single cluster slot.
 */
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

  /** The stream of messages that failed every delivery to a group listener. */
  deadLetters(): string {
    return `${this.prefix}dead-letters`;
  }
}
