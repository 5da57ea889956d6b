import { InvalidFilterException } from '../../exceptions/invalid-filter.exception.js';
import type { FilterValue, MessageFilter } from '../../filtering/message-filter.interface.js';

/** Data of a `subscribe` message sent to the WebSocket gateway. */
export interface WsSubscribeRequest {
  /** Client-chosen id of the subscription, echoed on each message; generated when absent. */
  subscription_id?: string;
  filter: MessageFilter;
  /** Resume position: the message_id of the last message received. */
  last_event_id?: string;
}

const SUBSCRIPTION_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const KNOWN_FIELDS = ['subscription_id', 'channels', 'payload', 'metadata', 'last_event_id'];

/**
 * Checks the data of a `subscribe` message; field-level checks of the filter happen when the
 * bus compiles it.
 * @throws InvalidFilterException naming the field at fault
 */
export function parseWsSubscribeRequest(data: unknown): WsSubscribeRequest {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InvalidFilterException(
      'data',
      data,
      `an object with the fields ${KNOWN_FIELDS.join(', ')}`,
    );
  }
  const body = data as Record<string, unknown>;
  const unknown = Object.keys(body).find((key) => !KNOWN_FIELDS.includes(key));
  if (unknown !== undefined) {
    throw new InvalidFilterException(
      unknown,
      body[unknown],
      `only the fields ${KNOWN_FIELDS.join(', ')}`,
    );
  }

  const { subscription_id, channels, payload, metadata, last_event_id } = body;
  if (
    subscription_id !== undefined &&
    (typeof subscription_id !== 'string' || !SUBSCRIPTION_ID.test(subscription_id))
  ) {
    throw new InvalidFilterException(
      'subscription_id',
      subscription_id,
      '1 to 64 letters, digits, "_", ".", ":" or "-"',
    );
  }
  if (
    channels !== undefined &&
    (!Array.isArray(channels) || !channels.every((c) => typeof c === 'string'))
  ) {
    throw new InvalidFilterException('channels', channels, 'an array of channel names or patterns');
  }
  if (last_event_id !== undefined && typeof last_event_id !== 'string') {
    throw new InvalidFilterException(
      'last_event_id',
      last_event_id,
      'the message_id of the last message received',
    );
  }

  return {
    subscription_id: subscription_id,
    filter: {
      channels: channels,
      payload: payload as Record<string, FilterValue> | undefined,
      metadata: metadata as Record<string, FilterValue> | undefined,
    },
    last_event_id: last_event_id,
  };
}
