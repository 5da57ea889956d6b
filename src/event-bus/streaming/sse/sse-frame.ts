import { formatMessage, type MessageFormat } from '../../cloudevents/message-format.js';
import type { StreamEvent } from '../stream-event.interface.js';

/**
 * Frames a stream event as Server-Sent Events text. A message has `id:` (its message_id, the
 * resume cursor), `event:` (its channel) and `data:` (the message as JSON, in `format`). A gap
 * has no id, so it never moves the client's resume position.
 */
export function frameSseEvent(event: StreamEvent, format: MessageFormat = 'envelope'): string {
  switch (event.kind) {
    case 'message':
      return `id: ${event.envelope.message_id}\nevent: ${event.envelope.channel}\ndata: ${JSON.stringify(formatMessage(event.envelope, format))}\n\n`;
    case 'gap':
      return `event: gap\ndata: ${JSON.stringify(event.gap)}\n\n`;
    case 'shutdown':
      return 'event: shutdown\ndata: {"reason":"the service is shutting down; reconnect with Last-Event-ID"}\n\n';
  }
}

/** An SSE comment line, ignored by clients: used for heartbeats. */
export const SSE_HEARTBEAT = ': heartbeat\n\n';
