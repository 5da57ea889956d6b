import {
  useBusHarness,
  TEST_CHANNELS,
  type TestChannels,
} from './__fixtures__/event-bus.fixtures.js';
import type { Envelope } from './envelope/envelope.interface.js';
import type { EventBusService } from './event-bus.service.js';
import { InvalidChannelDefinitionException } from './exceptions/invalid-channel-definition.exception.js';
import { InvalidPayloadException } from './exceptions/invalid-payload.exception.js';
import type { ChannelDefinition } from './interfaces/channel-definition.interface.js';
import type { EventBusModuleOptions } from './interfaces/event-bus-options.interface.js';

describe('EventBusService: channels and options', () => {
  const harness = useBusHarness();
  let bus: EventBusService<TestChannels>;
  const startBus = async (options?: EventBusModuleOptions) => (bus = await harness.start(options));

  describe('when channels come from forRoot()', () => {
    beforeEach(() => startBus());

    it('accepts a valid custom payload', async () => {
      const received: Envelope[] = [];
      bus.subscribe('orders.created', (message) => received.push(message));

      const envelope = await bus.publish('orders.created', {
        order_id: 'o-1',
        lines: [{ sku: 'tea', qty: 2 }],
      });

      expect(received).toEqual([envelope]);
      expect(envelope.payload).toEqual({ order_id: 'o-1', lines: [{ sku: 'tea', qty: 2 }] });
    });

    it.each([
      ['missing order_id', {}, 'payload.order_id', 'is required'],
      ['numeric order_id', { order_id: 7 }, 'payload.order_id', 'must be string'],
      [
        'zero qty',
        { order_id: 'o-1', lines: [{ sku: 'tea', qty: 0 }] },
        'payload.lines.0.qty',
        'must be >= 1',
      ],
      [
        'unknown field',
        { order_id: 'o-1', note: 'x' },
        'payload.note',
        'is not an allowed property',
      ],
    ])('rejects a %s', async (_case, payload, field, reason) => {
      const pending = bus.publish('orders.created', payload as never);

      await expect(pending).rejects.toThrow(InvalidPayloadException);
      await expect(pending).rejects.toMatchObject({ channel: 'orders.created', field, reason });
    });

    it('accepts any JSON without schema', async () => {
      const envelope = await bus.publish('test.events', {
        anything: [1, 'two', null, { x: true }],
      });

      expect(envelope.payload).toEqual({ anything: [1, 'two', null, { x: true }] });
      await expect(bus.publish('test.events', { at: new Date() })).rejects.toMatchObject({
        field: 'payload.at',
      });
    });

    it('lists the custom channels', async () => {
      const infos = await bus.channels();

      expect(infos.map((info) => info.name)).toEqual([
        'karma.feedback',
        'karma.lifecycle',
        'karma.analytics',
        'orders.created',
        'test.events',
        'game.ping',
        'game.pong',
      ]);
      expect(infos[3].description).toBe('Orders placed by customers');
      expect(infos[4].description).toBeNull();
    });
  });

  describe('when a channel definition is invalid', () => {
    it.each([
      ['a one-segment name', { name: 'orders' }, 'orders'],
      ['an uppercase name', { name: 'Orders.Created' }, 'Orders.Created'],
      ['an empty segment', { name: 'orders..created' }, 'orders..created'],
      ['a wildcard name', { name: 'orders.*' }, 'orders.*'],
      ['a built-in name', { name: 'karma.feedback' }, 'karma.feedback'],
      [
        'a broken schema',
        { name: 'orders.created', schema: { type: 'nonsense' } },
        'orders.created',
      ],
      [
        'an unresolvable $ref',
        { name: 'orders.created', schema: { $ref: '#/$defs/missing' } },
        'orders.created',
      ],
    ])('fails start-up on %s', async (_case, definition, channel) => {
      await expect(harness.create({ channels: [definition as ChannelDefinition] })).rejects.toThrow(
        InvalidChannelDefinitionException,
      );
      await expect(
        harness.create({ channels: [definition as ChannelDefinition] }),
      ).rejects.toMatchObject({ channel });
    });

    it('fails start-up on a duplicate', async () => {
      await expect(
        harness.create({ channels: [{ name: 'orders.created' }, { name: 'orders.created' }] }),
      ).rejects.toThrow(
        'Invalid channel definition "orders.created": the channel is registered twice.',
      );
    });
  });

  describe('when options are invalid', () => {
    it.each([
      ['historyCapacity', 0],
      ['historyCapacity', -1],
      ['historyCapacity', 1.5],
      ['maxPayloadDepth', 0],
      ['maxListenersPerChannel', 0],
    ])('fails start-up on %s=%p', async (option, value) => {
      await expect(harness.create({ [option]: value })).rejects.toThrow(RangeError);
      await expect(harness.create({ [option]: value })).rejects.toThrow(
        `Invalid event bus option ${option}=${JSON.stringify(value)}; allowed: an integer of at least 1.`,
      );
    });

    it('fails start-up on an unknown transport', async () => {
      await expect(harness.create({ transport: { type: 'kafka' } as never })).rejects.toThrow(
        'Invalid event bus option transport.type="kafka"; allowed: "memory"',
      );
    });

    it('applies maxPayloadDepth', async () => {
      await startBus({ channels: TEST_CHANNELS, maxPayloadDepth: 2 });

      await expect(bus.publish('test.events', { a: {} })).resolves.toMatchObject({
        payload: { a: {} },
      });
      await expect(bus.publish('test.events', { a: { b: {} } })).rejects.toMatchObject({
        field: 'payload.a.b',
      });
    });
  });
});
