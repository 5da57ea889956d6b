import { Logger } from '@nestjs/common';
import type { Envelope } from '../envelope/envelope.interface.js';

/** Logs each listener failure once and counts failures per channel. */
export class ListenerFailureReporter {
  private readonly logger = new Logger('EventBus');
  private readonly failuresByChannel = new Map<string, number>();

  report(listenerName: string, envelope: Envelope, error: unknown): void {
    const channel = envelope.channel;
    this.failuresByChannel.set(channel, (this.failuresByChannel.get(channel) ?? 0) + 1);

    const reason = error instanceof Error ? error.message : String(error);
    const stack = error instanceof Error ? error.stack : undefined;
    this.logger.error(
      `Listener ${listenerName} failed on ${channel} message ${envelope.message_id}: ${reason}`,
      stack,
    );
  }

  /** Failures counted for a channel since the bus started. */
  failures(channel: string): number {
    return this.failuresByChannel.get(channel) ?? 0;
  }
}
