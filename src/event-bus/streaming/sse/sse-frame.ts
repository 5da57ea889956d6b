import { formatMessage, type MessageFormat } from '../../cloudevents/message-format.js';
import type { Envelope } from '../../envelope/envelope.interface.js';
import type { StreamEvent } from '../stream-event.interface.js';

/**
 * Frames a stream event as Server-Sent Events text. A message has `id:` (its message_id, the
 * resume cursor), `event:` (its channel) and `data:` (the message as JSON, in `format`). A gap
 * has no id, so it never moves the client's resume position.
 */
export function frameSseEvent(event: StreamEvent, format: MessageFormat = 'envelope'): string {
  switch (event.kind) {
    case 'message':
      return frameMessage(event.envelope, format);
    case 'gap':
      return `event: gap\ndata: ${JSON.stringify(event.gap)}\n\n`;
    case 'shutdown':
      return 'event: shutdown\ndata: {"reason":"the service is shutting down; reconnect with Last-Event-ID"}\n\n';
  }
}

/**
 * Frames of recent messages, so a message streamed to many clients is serialised once. Keyed by
 * the frozen envelope object, so entries go away with the message; being a pure function's
 * memo, sharing it between apps in one process is harmless.
 */
const framesByFormat: Record<MessageFormat, WeakMap<Envelope, string>> = {
  envelope: new WeakMap(),
  cloudevents: new WeakMap(),
};

function frameMessage(envelope: Envelope, format: MessageFormat): string {
  const cache = framesByFormat[format];
  let frame = cache.get(envelope);
  if (frame === undefined) {
    const data = JSON.stringify(formatMessage(envelope, format));
    frame = `id: ${envelope.message_id}\nevent: ${envelope.channel}\ndata: ${data}\n\n`;
    cache.set(envelope, frame);
  }
  return frame;
}

/** An SSE comment line, ignored by clients: used for heartbeats. */
export const SSE_HEARTBEAT = ': heartbeat\n\n';
