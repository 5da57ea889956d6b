/** Raised by `waitFor()` when no matching message was recorded before the deadline. */
export class MessageWaitTimeoutError extends Error {
  /**
   * @param channel the channel waited on
   * @param timeoutMs how long the wait lasted
   * @param recorded how many messages were recorded on each channel meanwhile
   */
  constructor(
    readonly channel: string,
    readonly timeoutMs: number,
    readonly recorded: Readonly<Record<string, number>>,
  ) {
    super(
      `Timed out after ${timeoutMs} ms waiting for a matching message on ${channel}; ` +
        `recorded: ${describeCounts(recorded)}.`,
    );
    this.name = new.target.name;
  }
}

function describeCounts(recorded: Readonly<Record<string, number>>): string {
  const entries = Object.entries(recorded);
  if (entries.length === 0) {
    return 'no message on any channel';
  }
  return entries.map(([channel, count]) => `${count} on ${channel}`).join(', ');
}
