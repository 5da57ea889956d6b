import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import {
  EventBusModule,
  EventBusService,
  InvalidHistoryQueryException,
  InvalidPayloadException,
  UnknownChannelException,
  type ChannelDefinition,
  type Envelope,
  type EventBusChannels,
  type EventBusModuleOptions,
  type KarmaFeedbackPayload,
  type KarmaLifecyclePayload,
} from '../../src/event-bus/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import {
  createSchemaValidator,
  formatSchemaErrors,
  schemaErrors,
} from '../support/event-bus-schema.js';
import { ISO_TIMESTAMP, UUID_V4 } from '../support/http.js';
import { waitFor } from '../support/wait-for.js';

/** A channel of numbered items, registered by every bus of the contract suite. */
const ITEMS = 'contract.items';

const ITEMS_DEFINITION: ChannelDefinition = {
  name: ITEMS,
  description: 'Numbered items of the transport contract suite',
  schema: {
    type: 'object',
    required: ['n'],
    additionalProperties: false,
    properties: { n: { type: 'integer', minimum: 0 } },
  },
};

type ContractChannels = EventBusChannels & { [ITEMS]: { n: number } };
type ContractBus = EventBusService<ContractChannels>;

/**
 * How long a message may take to reach a subscriber. It is longer than a local call because
 * Redis delivers through a blocking read.
 */
const DELIVERY_TIMEOUT_MS = 5_000;

const FEEDBACK: KarmaFeedbackPayload = {
  user_id: 'user-42',
  score: 71.52,
  influence: 0.4304,
  signal: 'positive',
  band: 'high',
  action_count: 3,
  as_of: '2026-12-01T12:00:00.000Z',
};

const LIFECYCLE: KarmaLifecyclePayload = {
  user_id: 'user-42',
  event: 'birth',
  occurred_at: '2026-12-01T12:00:00.000Z',
};

/** Collects the messages a handler received, in order. */
class Inbox {
  readonly messages: Envelope[] = [];
  readonly handler = (message: Envelope): void => {
    this.messages.push(message);
  };

  ids(): string[] {
    return this.messages.map((message) => message.message_id);
  }

  /** Waits until `count` messages arrived. */
  async waitForCount(count: number, label = 'inbox'): Promise<void> {
    await waitFor(
      () => this.messages.length >= count,
      DELIVERY_TIMEOUT_MS,
      `${count} message(s) in ${label} (got ${this.messages.length})`,
    );
  }
}

/**
 * Defines the behaviour every transport must show, as tests over `EventBusService`.
 * @param busOptions returns the module options of a new bus whose transport contains no messages
 *   of any earlier bus, for example the Redis transport with a fresh key prefix
 */
export function describeTransportContract(busOptions: () => EventBusModuleOptions): void {
  jest.setTimeout(15_000);

  let moduleRef: TestingModule;
  let bus: ContractBus;
  let logger: CapturingLogger;

  beforeEach(async () => {
    logger = new CapturingLogger();
    const options = busOptions();
    moduleRef = await Test.createTestingModule({
      imports: [
        EventBusModule.forRoot({
          ...options,
          channels: [...(options.channels ?? []), ITEMS_DEFINITION],
          http: false,
        }),
      ],
    })
      .setLogger(logger)
      .compile();
    await moduleRef.init();
    bus = moduleRef.get<EventBusService, ContractBus>(EventBusService);
  });

  afterEach(async () => {
    await moduleRef?.close();
  });

  /** Publishes `count` items one after another and returns their envelopes. */
  async function publishItems(count: number, first = 0): Promise<Envelope[]> {
    const envelopes: Envelope[] = [];
    for (let n = first; n < first + count; n++) {
      envelopes.push(await bus.publish(ITEMS, { n }));
    }
    return envelopes;
  }

  describe('publish()', () => {
    it('returns a frozen envelope', async () => {
      const envelope = await bus.publish('karma.feedback', FEEDBACK, { source: 'contract' });

      expect(envelope).toEqual({
        message_id: expect.stringMatching(UUID_V4),
        channel: 'karma.feedback',
        payload: FEEDBACK,
        timestamp: expect.stringMatching(ISO_TIMESTAMP),
        metadata: { source: 'contract' },
      });
      expect(Object.isFrozen(envelope)).toBe(true);
      expect(Object.isFrozen(envelope.payload)).toBe(true);
      expect(Object.isFrozen(envelope.metadata)).toBe(true);
      expect(() => {
        (envelope as { channel: string }).channel = 'karma.lifecycle';
      }).toThrow(TypeError);
    });

    it('matches the message schema', async () => {
      const ajv = createSchemaValidator();
      const feedback = await bus.publish('karma.feedback', FEEDBACK);
      const lifecycle = await bus.publish('karma.lifecycle', LIFECYCLE, { correlation_id: 'c-1' });
      const item = await bus.publish(ITEMS, { n: 1 });

      for (const message of [feedback, lifecycle]) {
        const errors = schemaErrors(ajv, JSON.parse(JSON.stringify(message)));
        expect(formatSchemaErrors(errors)).toBe('');
      }
      const itemErrors = schemaErrors(ajv, JSON.parse(JSON.stringify(item)), 'envelope');
      expect(formatSchemaErrors(itemErrors)).toBe('');
    });

    it('rejects an unknown channel', async () => {
      const inbox = new Inbox();
      bus.subscribeAll(inbox.handler);

      const publishing = (bus as unknown as EventBusService<Record<string, unknown>>).publish(
        'karma.unknown',
        { n: 1 },
      );

      await expect(publishing).rejects.toThrow(UnknownChannelException);
      const sentinel = await bus.publish(ITEMS, { n: 2 });
      await inbox.waitForCount(1);
      expect(inbox.ids()).toEqual([sentinel.message_id]);
      const page = await bus.history();
      expect(page.items.map((item) => item.message_id)).toEqual([sentinel.message_id]);
    });

    it('rejects an invalid payload', async () => {
      const inbox = new Inbox();
      bus.subscribe('karma.feedback', inbox.handler);

      const publishing = bus.publish('karma.feedback', { ...FEEDBACK, score: 500 });

      await expect(publishing).rejects.toThrow(InvalidPayloadException);
      await expect(publishing).rejects.toMatchObject({
        channel: 'karma.feedback',
        field: 'payload.score',
      });
      const sentinel = await bus.publish('karma.feedback', FEEDBACK);
      await inbox.waitForCount(1);
      expect(inbox.ids()).toEqual([sentinel.message_id]);
      const page = await bus.history({ channel: 'karma.feedback' });
      expect(page.items.map((item) => item.message_id)).toEqual([sentinel.message_id]);
    });
  });

  describe('subscribe()', () => {
    it('delivers to a subscriber', async () => {
      const inbox = new Inbox();
      bus.subscribe('karma.feedback', inbox.handler);

      const envelope = await bus.publish('karma.feedback', FEEDBACK);

      await inbox.waitForCount(1);
      expect(inbox.messages).toEqual([envelope]);
      expect(Object.isFrozen(inbox.messages[0])).toBe(true);
      expect(Object.isFrozen(inbox.messages[0].payload)).toBe(true);
    });

    it('delivers to several subscribers', async () => {
      const inboxes = [new Inbox(), new Inbox(), new Inbox()];
      inboxes.forEach((inbox) => bus.subscribe('karma.feedback', inbox.handler));

      const envelope = await bus.publish('karma.feedback', FEEDBACK);

      for (const inbox of inboxes) {
        await inbox.waitForCount(1);
      }
      const sentinel = await bus.publish('karma.feedback', FEEDBACK);
      for (const inbox of inboxes) {
        await inbox.waitForCount(2);
        expect(inbox.ids()).toEqual([envelope.message_id, sentinel.message_id]);
      }
    });

    it('stops after unsubscribe', async () => {
      const leaving = new Inbox();
      const staying = new Inbox();
      const subscription = bus.subscribe('karma.feedback', leaving.handler);
      bus.subscribe('karma.feedback', staying.handler);

      const first = await bus.publish('karma.feedback', FEEDBACK);
      await leaving.waitForCount(1);
      subscription.unsubscribe();
      const second = await bus.publish('karma.feedback', FEEDBACK);
      await staying.waitForCount(2);

      expect(subscription.active).toBe(false);
      expect(leaving.ids()).toEqual([first.message_id]);
      expect(staying.ids()).toEqual([first.message_id, second.message_id]);
    });

    it('keeps channels apart', async () => {
      const feedback = new Inbox();
      const lifecycle = new Inbox();
      const everything = new Inbox();
      bus.subscribe('karma.feedback', feedback.handler);
      bus.subscribe('karma.lifecycle', lifecycle.handler);
      bus.subscribeAll(everything.handler);

      const feedbackMessage = await bus.publish('karma.feedback', FEEDBACK);
      const lifecycleMessage = await bus.publish('karma.lifecycle', LIFECYCLE);
      await everything.waitForCount(2);

      expect(feedback.ids()).toEqual([feedbackMessage.message_id]);
      expect(lifecycle.ids()).toEqual([lifecycleMessage.message_id]);
    });

    it('keeps publish order per subscriber', async () => {
      const first = new Inbox();
      const second = new Inbox();
      bus.subscribe(ITEMS, first.handler);
      bus.subscribe(ITEMS, second.handler);

      const published = await publishItems(200);

      const expected = published.map((envelope) => envelope.message_id);
      for (const inbox of [first, second]) {
        await inbox.waitForCount(200);
        expect(inbox.ids()).toEqual(expected);
        expect(inbox.messages.map((message) => (message.payload as { n: number }).n)).toEqual([
          ...Array(200).keys(),
        ]);
      }
    });

    it('isolates failing subscribers', async () => {
      const throwingCalls: string[] = [];
      const rejectingCalls: string[] = [];
      const recorder = new Inbox();
      bus.subscribe(
        'karma.feedback',
        (message) => {
          throwingCalls.push(message.message_id);
          throw new Error('throwing subscriber failed on purpose');
        },
        { name: 'throwingSubscriber' },
      );
      bus.subscribe(
        'karma.feedback',
        (message) => {
          rejectingCalls.push(message.message_id);
          return Promise.reject(new Error('rejecting subscriber failed on purpose'));
        },
        { name: 'rejectingSubscriber' },
      );
      bus.subscribe('karma.feedback', recorder.handler);

      const first = await bus.publish('karma.feedback', FEEDBACK);
      const second = await bus.publish('karma.feedback', FEEDBACK);
      await recorder.waitForCount(2);
      await waitFor(() => logger.atLevel('error').length >= 4, DELIVERY_TIMEOUT_MS, '4 errors');

      const ids = [first.message_id, second.message_id];
      expect(recorder.ids()).toEqual(ids);
      expect(throwingCalls).toEqual(ids);
      expect(rejectingCalls).toEqual(ids);
      const errors = logger.atLevel('error').map((entry) => String(entry.message));
      expect(errors).toHaveLength(4);
      expect(errors.filter((text) => text.includes('throwingSubscriber'))).toHaveLength(2);
      expect(errors.filter((text) => text.includes('rejectingSubscriber'))).toHaveLength(2);
      const page = await bus.history({ channel: 'karma.feedback', order: 'asc' });
      expect(page.items.map((item) => item.message_id)).toEqual(ids);
    });

    it('group listener gets each once', async () => {
      const group = new Inbox();
      bus.subscribe(ITEMS, group.handler, { group: 'contract-group', name: 'groupListener' });

      const published = await publishItems(20);
      await group.waitForCount(20, 'group listener');
      const sentinel = await bus.publish(ITEMS, { n: 20 });
      await group.waitForCount(21, 'group listener');

      expect(group.ids()).toEqual([...published, sentinel].map((envelope) => envelope.message_id));
    });
  });

  describe('subscribeAll()', () => {
    it('receives every channel', async () => {
      const everything = new Inbox();
      bus.subscribeAll(everything.handler);

      const published = [
        await bus.publish('karma.feedback', FEEDBACK),
        await bus.publish('karma.lifecycle', LIFECYCLE),
        await bus.publish('karma.analytics', analyticsPayload()),
        await bus.publish(ITEMS, { n: 0 }),
      ];
      await everything.waitForCount(4);
      const sentinel = await bus.publish(ITEMS, { n: 1 });
      await everything.waitForCount(5);

      const expected = [...published, sentinel].map((envelope) => envelope.message_id);
      expect([...everything.ids()].sort()).toEqual([...expected].sort());
      expect(everything.messages.map((message) => message.channel).sort()).toEqual([
        'contract.items',
        'contract.items',
        'karma.analytics',
        'karma.feedback',
        'karma.lifecycle',
      ]);
    });
  });

  describe('history()', () => {
    let ids: string[];

    beforeEach(async () => {
      ids = (await publishItems(5)).map((envelope) => envelope.message_id);
    });

    async function pageIds(query: Parameters<ContractBus['history']>[0]) {
      const page = await bus.history({ channel: ITEMS, ...query });
      return { ids: page.items.map((item) => item.message_id), next: page.next_cursor };
    }

    it('pages newest first', async () => {
      expect(await pageIds({})).toEqual({ ids: [...ids].reverse(), next: null });
      expect(await pageIds({ limit: 2 })).toEqual({ ids: [ids[4], ids[3]], next: ids[3] });
      expect(await pageIds({ limit: 2, before: ids[3] })).toEqual({
        ids: [ids[2], ids[1]],
        next: ids[1],
      });
      expect(await pageIds({ limit: 2, before: ids[1] })).toEqual({ ids: [ids[0]], next: null });
    });

    it('pages oldest first', async () => {
      expect(await pageIds({ order: 'asc', limit: 2 })).toEqual({
        ids: [ids[0], ids[1]],
        next: ids[1],
      });
      expect(await pageIds({ order: 'asc', limit: 2, after: ids[1] })).toEqual({
        ids: [ids[2], ids[3]],
        next: ids[3],
      });
      expect(await pageIds({ order: 'asc', limit: 2, after: ids[3] })).toEqual({
        ids: [ids[4]],
        next: null,
      });
    });

    it('combines after and before', async () => {
      expect(await pageIds({ order: 'asc', after: ids[0], before: ids[4] })).toEqual({
        ids: [ids[1], ids[2], ids[3]],
        next: null,
      });
      expect(await pageIds({ after: ids[0], before: ids[4] })).toEqual({
        ids: [ids[3], ids[2], ids[1]],
        next: null,
      });
      expect(await pageIds({ order: 'asc', after: ids[2], before: ids[3] })).toEqual({
        ids: [],
        next: null,
      });
    });

    it('pages every channel once', async () => {
      await bus.publish('karma.feedback', FEEDBACK);
      await bus.publish('karma.lifecycle', LIFECYCLE);
      const all = await bus.history({ limit: 1000 });
      expect(all.items).toHaveLength(7);

      const seen: string[] = [];
      let before: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await bus.history({ limit: 3, before });
        seen.push(...page.items.map((item) => item.message_id));
        if (page.next_cursor === null) {
          break;
        }
        before = page.next_cursor;
      }
      expect(seen).toEqual(all.items.map((item) => item.message_id));
      expect(new Set(seen).size).toBe(7);
    });

    it('rejects an unknown cursor', async () => {
      const unknown = randomUUID();

      await expect(bus.history({ after: unknown })).rejects.toThrow(InvalidHistoryQueryException);
      await expect(bus.history({ after: unknown })).rejects.toMatchObject({ parameter: 'after' });
      await expect(bus.history({ before: unknown })).rejects.toMatchObject({
        parameter: 'before',
        value: unknown,
      });
    });
  });

  describe('channels()', () => {
    it('counts per channel', async () => {
      const everything = new Inbox();
      bus.subscribeAll(everything.handler);
      bus.subscribe('karma.feedback', () => undefined);
      bus.subscribe('karma.feedback', () => undefined);
      bus.subscribe(
        'karma.lifecycle',
        () => {
          throw new Error('failing on purpose');
        },
        { name: 'failingLifecycle' },
      );

      await bus.publish('karma.feedback', FEEDBACK);
      await bus.publish('karma.feedback', FEEDBACK);
      await bus.publish('karma.lifecycle', LIFECYCLE);
      await everything.waitForCount(3);

      const channels = await bus.channels();
      expect(channels.map((channel) => channel.name)).toEqual([
        'karma.feedback',
        'karma.lifecycle',
        'karma.analytics',
        ITEMS,
      ]);
      expect(channels[0]).toMatchObject({ published: 2, in_history: 2, subscribers: 3, failed: 0 });
      expect(channels[1]).toMatchObject({ published: 1, in_history: 1, subscribers: 2, failed: 1 });
      expect(channels[2]).toMatchObject({ published: 0, in_history: 0, subscribers: 1, failed: 0 });
      expect(channels[3]).toEqual({
        name: ITEMS,
        description: ITEMS_DEFINITION.description,
        published: 0,
        in_history: 0,
        subscribers: 1,
        failed: 0,
      });
    });

    it('counts group listeners', async () => {
      bus.subscribe(ITEMS, () => undefined, { group: 'contract-group' });
      bus.subscribe(ITEMS, () => undefined);

      const [items] = (await bus.channels()).filter((channel) => channel.name === ITEMS);

      expect(items.subscribers).toBe(2);
    });
  });
}

function analyticsPayload() {
  return {
    feedback_count: 1,
    lifecycle_count: 0,
    users_seen: 1,
    average_score: 71.52,
    by_band: { very_low: 0, low: 0, neutral: 0, high: 1, very_high: 0 },
    by_lifecycle_event: {
      birth: 0,
      death: 0,
      rebirth: 0,
      role_change: 0,
      suspension: 0,
      reinstatement: 0,
    },
    trigger_message_id: randomUUID(),
  };
}
