import type { Logger } from '@nestjs/common';
import type { Response } from 'express';
import type { MessageFormat } from '../../cloudevents/message-format.js';
import type { StreamEvent, StreamSink } from '../stream-event.interface.js';
import { frameSseEvent } from './sse-frame.js';

/** Response headers that keep proxies from buffering, caching or compressing the stream. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
};

/** Writes stream events to one HTTP response as Server-Sent Events. */
export class SseSink implements StreamSink {
  private opened = false;

  constructor(
    private readonly response: Response,
    private readonly maxBufferedBytes: number,
    private readonly client: string,
    private readonly logger: Logger,
    private readonly format: MessageFormat = 'envelope',
  ) {}

  /** Sends the headers and an opening comment, once, so clients see the stream open at once. */
  open(): void {
    if (this.opened || this.response.headersSent) {
      return;
    }
    this.opened = true;
    this.response.writeHead(200, SSE_HEADERS);
    this.response.write(': connected\nretry: 3000\n\n');
  }

  send(event: StreamEvent): boolean {
    if (this.response.destroyed) {
      return true;
    }
    this.open();
    this.response.write(frameSseEvent(event, this.format));
    return this.response.writableLength <= this.maxBufferedBytes;
  }

  write(text: string): void {
    if (!this.response.destroyed) {
      this.response.write(text);
    }
  }

  overflow(): void {
    this.logger.warn(
      `Closed the stream of ${this.client}: more than ${this.maxBufferedBytes} bytes unread`,
    );
    this.response.destroy();
  }

  end(event?: StreamEvent): void {
    if (this.response.destroyed || this.response.writableEnded) {
      return;
    }
    this.open();
    if (event !== undefined) {
      this.response.write(frameSseEvent(event, this.format));
    }
    this.response.end();
  }
}
