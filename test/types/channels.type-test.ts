/**
 * Type-level checks of the channel map, compiled by `npm run typecheck` and never run.
 *
 * Each `@ts-expect-error` marks a misuse the types must reject: the comment itself is an error
 * when the line below it compiles.
 */
import { Injectable } from '@nestjs/common';
import {
  EventBusService,
  KARMA_FEEDBACK,
  OnChannel,
  type AnyChannelEnvelope,
  type ChannelEnvelope,
  type Envelope,
  type KarmaFeedbackPayload,
  type KarmaLifecyclePayload,
} from '../../src/event-bus/index.js';

declare module '../../src/event-bus/channels/channel-map.interface.js' {
  interface EventBusChannels {
    'orders.created': { order_id: string; total_cents: number };
  }
}

declare const bus: EventBusService;

const feedback: KarmaFeedbackPayload = {
  user_id: 'user-42',
  score: 71.52,
  influence: 0.4304,
  signal: 'positive',
  band: 'high',
  action_count: 3,
  as_of: '2026-12-01T12:00:00.000Z',
};

const birth: KarmaLifecyclePayload = {
  user_id: 'user-42',
  event: 'birth',
  occurred_at: '2026-12-01T12:00:00.000Z',
};

export async function publishChecks(): Promise<void> {
  const envelope = await bus.publish('karma.feedback', feedback);
  const channel: 'karma.feedback' = envelope.channel;
  const score: number = envelope.payload.score;
  void [channel, score];
  await bus.publish('karma.lifecycle', birth, { correlation_id: 'req-7' });

  // @ts-expect-error a lifecycle payload on the feedback channel
  await bus.publish('karma.feedback', birth);
  // @ts-expect-error a payload missing required fields
  await bus.publish('karma.feedback', { user_id: 'user-42' });
  // @ts-expect-error a field of the wrong type
  await bus.publish('karma.feedback', { ...feedback, score: '71.52' });
  // @ts-expect-error a band outside the enum
  await bus.publish('karma.feedback', { ...feedback, band: 'stellar' });
  // @ts-expect-error an unknown channel
  await bus.publish('karma.unknown', feedback);
  // @ts-expect-error a wrong payload through a convenience method
  await bus.publishFeedback(birth);
}

export function unionChannelCheck(channel: 'karma.feedback' | 'karma.lifecycle'): void {
  // @ts-expect-error the channel may be karma.feedback, which does not take a lifecycle payload
  void bus.publish(channel, birth);
}

export function subscribeChecks(): void {
  bus.subscribe('karma.feedback', (message) => {
    const score: number = message.payload.score;
    const channel: 'karma.feedback' = message.channel;
    // @ts-expect-error payloads are read-only
    message.payload.score = 0;
    // @ts-expect-error feedback payloads have no event
    void message.payload.event;
    void [score, channel];
  });
  bus.subscribe('karma.feedback', (message: Envelope) => message.message_id);
  bus.subscribe('karma.lifecycle', (message: AnyChannelEnvelope) => message.channel);

  // @ts-expect-error an unknown channel
  bus.subscribe('karma.unknown', () => undefined);
  // @ts-expect-error a handler of another channel's envelope
  bus.subscribe('karma.feedback', (message: ChannelEnvelope<'karma.lifecycle'>) => message);
  // @ts-expect-error a handler of another channel's envelope through a convenience method
  bus.onFeedback((message: ChannelEnvelope<'karma.analytics'>) => message);
}

@Injectable()
export class DecoratedListeners {
  @OnChannel(KARMA_FEEDBACK)
  onFeedback(message: ChannelEnvelope<'karma.feedback'>): number {
    return message.payload.score;
  }

  @OnChannel('karma.lifecycle')
  @OnChannel('karma.feedback')
  onEither(message: AnyChannelEnvelope): string {
    return message.message_id;
  }

  @OnChannel('karma.feedback')
  onAny(message: Envelope): string {
    return message.channel;
  }

  // @ts-expect-error an unknown channel
  @OnChannel('karma.unknown')
  onUnknown(message: Envelope): string {
    return message.channel;
  }

  // @ts-expect-error a parameter of another channel's envelope
  @OnChannel(KARMA_FEEDBACK)
  onWrongChannel(message: ChannelEnvelope<'karma.lifecycle'>): string {
    return message.payload.event;
  }

  // @ts-expect-error a parameter that is not an envelope
  @OnChannel(KARMA_FEEDBACK)
  onPayload(payload: KarmaFeedbackPayload): number {
    return payload.score;
  }
}

/** A channel added by declaration merging is typed like the built-in ones. */
@Injectable()
export class OrderListener {
  @OnChannel('orders.created')
  onOrder(message: ChannelEnvelope<'orders.created'>): string {
    return message.payload.order_id;
  }

  // @ts-expect-error a parameter of a built-in channel on the custom one
  @OnChannel('orders.created')
  onWrongOrder(message: ChannelEnvelope<'karma.feedback'>): number {
    return message.payload.score;
  }
}

export async function mergedChannelChecks(): Promise<void> {
  const order = await bus.publish('orders.created', { order_id: 'o-1', total_cents: 1250 });
  const cents: number = order.payload.total_cents;
  void cents;
  bus.subscribe('orders.created', (message) => message.payload.order_id.toUpperCase());

  // @ts-expect-error a wrong payload on the custom channel
  await bus.publish('orders.created', { order_id: 1, total_cents: 1250 });
  // @ts-expect-error a karma payload on the custom channel
  await bus.publish('orders.created', feedback);
}

/** A bus typed with its own channel map, without declaration merging. */
interface ShopChannels {
  'shop.sale': { sku: string; quantity: number };
  'shop.refund': { sku: string; reason: string };
}

declare const shopBus: EventBusService<ShopChannels>;

export async function customMapChecks(): Promise<void> {
  const sale = await shopBus.publish('shop.sale', { sku: 'sku-1', quantity: 2 });
  const channel: 'shop.sale' = sale.channel;
  const quantity: number = sale.payload.quantity;
  void [channel, quantity];
  shopBus.subscribe('shop.refund', (message) => message.payload.reason.length);

  // @ts-expect-error a refund payload on the sale channel
  await shopBus.publish('shop.sale', { sku: 'sku-1', reason: 'broken' });
  // @ts-expect-error a channel of the default map
  await shopBus.publish('karma.feedback', feedback);
  const onRefund = (message: Envelope<'shop.refund', ShopChannels['shop.refund']>) => message;
  // @ts-expect-error a handler of another channel's envelope
  shopBus.subscribe('shop.sale', onRefund);
}
