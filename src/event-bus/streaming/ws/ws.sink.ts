import type { Logger } from '@nestjs/common';
import type { WebSocket } from 'ws';
import { toCloudEvent } from '../../cloudevents/cloud-event.mapper.js';
import type { MessageFormat } from '../../cloudevents/message-format.js';
import type { StreamEvent, StreamSink } from '../stream-event.interface.js';

/** WebSocket close code for a client that fell too far behind (1008, policy violation). */
const CLOSE_TOO_SLOW = 1008;

/**
 * Frames a stream event as the gateway's JSON message `{ event, data }`. A message's data contains
 * `envelope`, or `cloudevent` in the `cloudevents` format.
 */
export function frameWsEvent(
  subscriptionId: string,
  event: StreamEvent,
  format: MessageFormat = 'envelope',
): string {
  switch (event.kind) {
    case 'message':
      return JSON.stringify({
        event: 'message',
        data:
          format === 'cloudevents'
            ? { subscription_id: subscriptionId, cloudevent: toCloudEvent(event.envelope) }
            : { subscription_id: subscriptionId, envelope: event.envelope },
      });
    case 'gap':
      return JSON.stringify({
        event: 'gap',
        data: { subscription_id: subscriptionId, ...event.gap },
      });
    case 'shutdown':
      return JSON.stringify({
        event: 'shutdown',
        data: { reason: 'the service is shutting down; reconnect and resume with last_event_id' },
      });
  }
}

/** Writes one subscription's events to a WebSocket. */
export class WsSink implements StreamSink {
  constructor(
    private readonly socket: WebSocket,
    private readonly subscriptionId: string,
    private readonly maxBufferedBytes: number,
    private readonly client: string,
    private readonly logger: Logger,
    private readonly format: MessageFormat = 'envelope',
  ) {}

  send(event: StreamEvent): boolean {
    if (this.socket.readyState !== this.socket.OPEN) {
      return true;
    }
    this.socket.send(frameWsEvent(this.subscriptionId, event, this.format));
    return this.socket.bufferedAmount <= this.maxBufferedBytes;
  }

  overflow(): void {
    this.logger.warn(
      `Closed the WebSocket of ${this.client}: more than ${this.maxBufferedBytes} bytes unread`,
    );
    this.socket.close(CLOSE_TOO_SLOW, 'client too slow');
  }
}
