import { Logger } from '@nestjs/common';
import type { Envelope } from '../envelope/envelope.interface.js';
import { logEntry, type LogFormat } from '../logging/log-entry.js';

/** Failures of one listener logged in full per window; later ones in the window are counted. */
const LOGGED_PER_WINDOW = 10;
const WINDOW_MS = 1_000;

interface ListenerWindow {
  startedAt: number;
  logged: number;
  suppressed: number;
}

/**
 * Logs listener failures with channel, message_id, listener and stack, and counts them per
 * channel. A listener that fails in bursts is logged in full 10 times per second; the rest of
 * the burst is summarised in one line when the next window opens.
 */
export class ListenerFailureReporter {
  private readonly logger = new Logger('EventBus');
  private readonly failuresByChannel = new Map<string, number>();
  private readonly windows = new Map<string, ListenerWindow>();

  constructor(private readonly format: LogFormat = 'text') {}

  report(listenerName: string, envelope: Envelope, error: unknown): void {
    const channel = envelope.channel;
    this.failuresByChannel.set(channel, (this.failuresByChannel.get(channel) ?? 0) + 1);
    if (!this.admit(listenerName)) {
      return;
    }

    const reason = error instanceof Error ? error.message : String(error);
    const stack = error instanceof Error ? error.stack : undefined;
    const text = `Listener ${listenerName} failed on ${channel} message ${envelope.message_id}: ${reason}`;
    this.logger.error(
      logEntry(this.format, text, {
        channel,
        message_id: envelope.message_id,
        listener: listenerName,
      }),
      stack,
    );
  }

  /** Failures counted for a channel since the bus started. */
  failures(channel: string): number {
    return this.failuresByChannel.get(channel) ?? 0;
  }

  /** Returns true when this failure may be logged in full. */
  private admit(listenerName: string): boolean {
    const now = Date.now();
    let window = this.windows.get(listenerName);
    if (window === undefined || now - window.startedAt >= WINDOW_MS) {
      if (window !== undefined && window.suppressed > 0) {
        const text =
          `Listener ${listenerName} failed ${window.suppressed} more time(s) that were not ` +
          `logged in full (limit ${LOGGED_PER_WINDOW} per ${WINDOW_MS} ms)`;
        this.logger.error(logEntry(this.format, text, { listener: listenerName }));
      }
      window = { startedAt: now, logged: 0, suppressed: 0 };
      this.windows.set(listenerName, window);
    }

    if (window.logged < LOGGED_PER_WINDOW) {
      window.logged++;
      return true;
    }
    window.suppressed++;
    return false;
  }
}
