import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Envelope } from '../src/event-bus/index.js';
import { analyticsPayload, feedbackPayload, lifecyclePayload } from './support/karma-payloads.js';
import {
  plusSubscribers,
  startStreamApp,
  subscriberCounts,
  waitForSubscriberCounts,
  type StreamApp,
} from './support/stream-app.js';
import { WsTestClient, type WsFrame } from './support/ws-client.js';

/** How long subscriber counts may take to return to their baseline after a disconnect. */
const CLEANUP_DEADLINE_MS = 500;

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface MessageData {
  subscription_id: string;
  envelope: Envelope;
}

interface ErrorData {
  field?: string;
  message: string;
}

describe('EventsGateway (e2e)', () => {
  let running: StreamApp;
  let appClosed: boolean;
  let baseline: Record<string, number>;
  const clients: WsTestClient[] = [];

  beforeEach(async () => {
    running = await startStreamApp();
    appClosed = false;
    baseline = await subscriberCounts(running.baseUrl);
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    if (!appClosed) {
      await running.app.close();
    }
  });

  async function connect(): Promise<WsTestClient> {
    const client = await WsTestClient.connect(`${running.wsUrl}/events/ws`);
    clients.push(client);
    return client;
  }

  /** Sends `subscribe` and waits for its confirmation. */
  async function subscribe(client: WsTestClient, data: Record<string, unknown>): Promise<string> {
    const before = client.named('subscribed').length;
    client.send('subscribe', data);
    const frame = await client.nth<{ subscription_id: string }>('subscribed', before + 1);
    return frame.data.subscription_id;
  }

  /** Envelope ids of the `message` frames of one subscription, in order. */
  function receivedIds(client: WsTestClient, subscriptionId: string): string[] {
    return client
      .named<MessageData>('message')
      .filter((frame) => frame.data.subscription_id === subscriptionId)
      .map((frame) => frame.data.envelope.message_id);
  }

  function waitForReceived(client: WsTestClient, subscriptionId: string, count: number) {
    return client.waitUntil(
      () => receivedIds(client, subscriptionId).length >= count,
      2_000,
      `${count} messages on ${subscriptionId}`,
    );
  }

  async function publishSummaries(from: number, to: number): Promise<string[]> {
    const ids: string[] = [];
    for (let n = from; n <= to; n++) {
      ids.push((await running.bus.publishAnalytics(analyticsPayload(n))).message_id);
    }
    return ids;
  }

  describe('subscribe', () => {
    it('confirms the subscription id', async () => {
      const client = await connect();

      const id = await subscribe(client, { subscription_id: 'feed-1' });

      expect(id).toBe('feed-1');
      expect(client.frames).toEqual([{ event: 'subscribed', data: { subscription_id: 'feed-1' } }]);
    });

    it('generates a missing id', async () => {
      const client = await connect();

      const id = await subscribe(client, {});

      expect(id).toMatch(UUID_V4);
    });

    it('delivers a published message', async () => {
      const client = await connect();
      await subscribe(client, { subscription_id: 'all' });

      const envelope = await running.bus.publishAnalytics(analyticsPayload(1));
      const frame = await client.nth<MessageData>('message', 1);

      expect(frame.data).toEqual({
        subscription_id: 'all',
        envelope: JSON.parse(JSON.stringify(envelope)),
      });
      expect(client.named('message')).toHaveLength(1);
    });

    it('filters by payload', async () => {
      const { bus } = running;
      const client = await connect();
      await subscribe(client, { subscription_id: 'u1', payload: { user_id: 'user-1' } });

      await bus.publishFeedback(feedbackPayload('user-2'));
      const lifecycle = await bus.publishLifecycle(lifecyclePayload('user-1'));
      await bus.publishLifecycle(lifecyclePayload('user-2'));
      const feedback = await bus.publishFeedback(feedbackPayload('user-1'));
      await waitForReceived(client, 'u1', 2);
      const fence = await bus.publishLifecycle(lifecyclePayload('user-1'));
      await waitForReceived(client, 'u1', 3);

      expect(receivedIds(client, 'u1')).toEqual([
        lifecycle.message_id,
        feedback.message_id,
        fence.message_id,
      ]);
    });

    it('selects channels by pattern', async () => {
      const { bus } = running;
      const client = await connect();
      await subscribe(client, { subscription_id: 'life', channels: ['*.lifecycle'] });

      await bus.publishFeedback(feedbackPayload('user-1'));
      const first = await bus.publishLifecycle(lifecyclePayload('user-1'));
      await bus.publishAnalytics(analyticsPayload(1));
      const second = await bus.publishLifecycle(lifecyclePayload('user-2'));
      await waitForReceived(client, 'life', 2);

      expect(receivedIds(client, 'life')).toEqual([first.message_id, second.message_id]);
      expect(
        client.named<MessageData>('message').map((frame) => frame.data.envelope.channel),
      ).toEqual(['karma.lifecycle', 'karma.lifecycle']);
    });

    it('keeps subscriptions apart', async () => {
      const client = await connect();
      await subscribe(client, { subscription_id: 'analytics', channels: ['karma.analytics'] });
      await subscribe(client, { subscription_id: 'lifecycle', channels: ['karma.lifecycle'] });

      const lifecycle = await running.bus.publishLifecycle(lifecyclePayload('user-1'));
      await waitForReceived(client, 'lifecycle', 1);
      await waitForReceived(client, 'analytics', 1);

      expect(receivedIds(client, 'lifecycle')).toEqual([lifecycle.message_id]);
      expect(receivedIds(client, 'analytics')).toHaveLength(1);
      expect(client.named('message')).toHaveLength(2);
    });
  });

  describe('unsubscribe', () => {
    it('stops delivery', async () => {
      const client = await connect();
      await subscribe(client, { subscription_id: 'gone', channels: ['karma.analytics'] });
      await subscribe(client, { subscription_id: 'stays', channels: ['karma.analytics'] });
      const [first] = await publishSummaries(1, 1);
      await waitForReceived(client, 'gone', 1);

      client.send('unsubscribe', { subscription_id: 'gone' });
      const confirmation = await client.nth('unsubscribed', 1);
      const [second] = await publishSummaries(2, 2);
      await waitForReceived(client, 'stays', 2);

      expect(confirmation.data).toEqual({ subscription_id: 'gone' });
      expect(receivedIds(client, 'gone')).toEqual([first]);
      expect(receivedIds(client, 'stays')).toEqual([first, second]);
      expect(await subscriberCounts(running.baseUrl)).toEqual(
        plusSubscribers(baseline, { 'karma.analytics': 1 }),
      );
    });
  });

  describe('when resuming', () => {
    it('replays missed messages', async () => {
      const [from, ...missed] = await publishSummaries(1, 3);
      const client = await connect();

      await subscribe(client, { subscription_id: 'resumed', last_event_id: from });
      await waitForReceived(client, 'resumed', 2);
      const live = await publishSummaries(4, 4);
      await waitForReceived(client, 'resumed', 3);

      expect(receivedIds(client, 'resumed')).toEqual([...missed, ...live]);
    });

    it('sends a gap for garbage', async () => {
      await publishSummaries(1, 2);
      const client = await connect();

      await subscribe(client, { subscription_id: 'lost', last_event_id: 'garbage' });
      const gap = await client.nth('gap', 1);
      const live = await publishSummaries(3, 3);
      await waitForReceived(client, 'lost', 1);

      expect(gap.data).toEqual({
        subscription_id: 'lost',
        reason: 'invalid_last_event_id',
        last_event_id: 'garbage',
      });
      expect(client.frames.map((frame) => frame.event)).toEqual(['subscribed', 'gap', 'message']);
      expect(receivedIds(client, 'lost')).toEqual(live);
    });
  });

  describe('when a request is invalid', () => {
    it.each<[string, unknown, string]>([
      ['an unknown field', { subscription_id: 'x', topic: 'karma.feedback' }, 'topic'],
      ['channels not an array', { channels: 'karma.feedback' }, 'channels'],
      ['channels of numbers', { channels: [1] }, 'channels'],
      ['an unknown channel', { channels: ['nope.events'] }, 'channels'],
      ['a pattern matching nothing', { channels: ['karma.*.x'] }, 'channels'],
      ['a bad payload path', { payload: { 'a..b': 1 } }, 'payload.a..b'],
      ['payload not an object', { payload: 'user-1' }, 'payload'],
      ['a bad subscription_id', { subscription_id: 'has space' }, 'subscription_id'],
      ['last_event_id not a string', { last_event_id: 42 }, 'last_event_id'],
      ['data not an object', 'karma.feedback', 'data'],
    ])('rejects %s', async (_label, data, field) => {
      const client = await connect();

      client.send('subscribe', data);
      const error = await client.nth<ErrorData>('error', 1);
      const id = await subscribe(client, { subscription_id: 'valid' });
      const [published] = await publishSummaries(1, 1);
      await waitForReceived(client, 'valid', 1);

      expect(error.data.field).toBe(field);
      expect(error.data.message).toContain(field);
      expect(id).toBe('valid');
      expect(receivedIds(client, 'valid')).toEqual([published]);
      expect(client.named('message')).toHaveLength(1);
      expect(await subscriberCounts(running.baseUrl)).toEqual(
        plusSubscribers(baseline, {
          'karma.feedback': 1,
          'karma.lifecycle': 1,
          'karma.analytics': 1,
        }),
      );
    });

    it('rejects a duplicate subscription_id', async () => {
      const client = await connect();
      await subscribe(client, { subscription_id: 'twice', channels: ['karma.analytics'] });

      client.send('subscribe', { subscription_id: 'twice', channels: ['karma.analytics'] });
      const error = await client.nth<ErrorData>('error', 1);
      const [published] = await publishSummaries(1, 1);
      await waitForReceived(client, 'twice', 1);
      await subscribe(client, { subscription_id: 'fence', channels: ['karma.analytics'] });
      const [fence] = await publishSummaries(2, 2);
      await waitForReceived(client, 'fence', 1);

      expect(error.data.field).toBe('subscription_id');
      expect(receivedIds(client, 'twice')).toEqual([published, fence]);
      expect(client.named('subscribed')).toHaveLength(2);
    });

    it('rejects unsubscribe of an unknown id', async () => {
      const client = await connect();

      client.send('unsubscribe', { subscription_id: 'missing' });
      const error = await client.nth<ErrorData>('error', 1);
      const id = await subscribe(client, { subscription_id: 'after' });

      expect(error.data.field).toBe('subscription_id');
      expect(error.data.message).toContain('missing');
      expect(id).toBe('after');
      expect(client.named('unsubscribed')).toEqual([]);
    });
  });

  describe('when the socket closes', () => {
    it('returns subscribers to baseline', async () => {
      const client = await connect();
      await subscribe(client, { subscription_id: 'one', channels: ['karma.analytics'] });
      await subscribe(client, { subscription_id: 'two' });
      const whileOpen = await subscriberCounts(running.baseUrl);

      await client.close();

      expect(whileOpen).toEqual(
        plusSubscribers(baseline, {
          'karma.feedback': 1,
          'karma.lifecycle': 1,
          'karma.analytics': 2,
        }),
      );
      await waitForSubscriberCounts(running.baseUrl, baseline, CLEANUP_DEADLINE_MS);
    });
  });

  describe('when the app shuts down', () => {
    it('sends shutdown, then closes', async () => {
      const client = await connect();
      await subscribe(client, { subscription_id: 'open' });

      const closing = running.app.close();
      appClosed = true;
      let shutdown: WsFrame | undefined;
      try {
        shutdown = await client.nth('shutdown', 1);
        await client.waitForClose();
      } finally {
        await client.close();
        await closing;
      }

      expect(shutdown.data).toEqual({ reason: expect.any(String) });
      expect(client.closeEvent?.code).toBe(1001);
    });
  });
});
