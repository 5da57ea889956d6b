import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  KARMA_LIFECYCLE,
  OnChannel,
  type ChannelEnvelope,
  type Envelope,
  type KarmaLifecyclePayload,
} from '../../src/event-bus/index.js';
import { DeadLetterNotFoundException } from '../../src/event-bus/exceptions/dead-letter-not-found.exception.js';
import type {
  DeadLetter,
  DeadLetterPage,
} from '../../src/event-bus/interfaces/dead-letter.interface.js';
import { ISO_TIMESTAMP, UUID_V4, messageText, type BadRequestBody } from '../support/http.js';
import { closeApps, startBusApp, uniqueKeyPrefix, type RunningApp } from '../support/redis-apps.js';
import { pendingCount, streamKey, waitForGroup } from '../support/redis-inspect.js';
import { describeRedis, startRedis, type RedisServer } from '../support/redis-server.js';
import { waitFor } from '../support/wait-for.js';

const GROUP = 'poison-tasters';
const MAX_DELIVERIES = 3;
const POISON_ERROR = 'poison message rejected on purpose';
const TEST_TIMEOUT_MS = 20_000;

/** Fails every message whose reason is `poison` until healed, and records the others. */
@Injectable()
class PoisonWorker {
  readonly attempts = new Map<string, number>();
  readonly handled: Envelope[] = [];
  healed = false;

  @OnChannel(KARMA_LIFECYCLE, { group: GROUP })
  handle(message: ChannelEnvelope<'karma.lifecycle'>): void {
    const id = message.message_id;
    this.attempts.set(id, (this.attempts.get(id) ?? 0) + 1);
    if (message.payload.reason === 'poison' && !this.healed) {
      throw new Error(POISON_ERROR);
    }
    this.handled.push(message);
  }
}

@Module({ providers: [PoisonWorker] })
class PoisonWorkerModule {}

function lifecycle(reason: string): KarmaLifecyclePayload {
  return {
    user_id: 'user-9',
    event: 'suspension',
    reason,
    occurred_at: '2026-12-01T12:00:00.000Z',
  };
}

describeRedis('dead letters on Redis', () => {
  let server: RedisServer | undefined;
  let admin: Redis;
  let keyPrefix: string;
  let running: RunningApp | undefined;
  let worker: PoisonWorker;

  beforeAll(async () => {
    server = await startRedis();
    admin = await server.connect();
  });

  afterAll(async () => {
    await server?.close();
  });

  beforeEach(async () => {
    keyPrefix = uniqueKeyPrefix('dead-letters');
    running = await startBusApp(
      {
        transport: {
          type: 'redis',
          url: (server as RedisServer).url,
          keyPrefix,
          consumerName: 'dead-letter-test',
          maxDeliveries: MAX_DELIVERIES,
          retryBaseMs: 10,
          retryMaxMs: 40,
        },
      },
      [PoisonWorkerModule],
    );
    worker = running.app.get(PoisonWorker);
    await waitForGroup(admin, streamKey(keyPrefix, KARMA_LIFECYCLE), GROUP);
  });

  afterEach(async () => {
    await closeApps(running);
    running = undefined;
  });

  function app(): RunningApp {
    return running as RunningApp;
  }

  async function listDeadLetters(query = ''): Promise<DeadLetterPage> {
    const response = await app().http().get(`/events/dead-letters${query}`);
    expect(response.status).toBe(200);
    return response.body as DeadLetterPage;
  }

  /** Publishes poison messages and waits until each one is a dead letter. */
  async function poison(count: number): Promise<Envelope[]> {
    const published: Envelope[] = [];
    for (let i = 0; i < count; i++) {
      published.push(await app().bus.publishLifecycle(lifecycle('poison')));
    }
    await waitFor(
      async () => (await listDeadLetters('?limit=1000')).items.length >= count,
      10_000,
      `${count} dead letter(s)`,
    );
    return published;
  }

  it(
    'dead-letters a poison message',
    async () => {
      const [message] = await poison(1);
      const healthy = await app().bus.publishLifecycle(lifecycle('fine'));
      await waitFor(() => worker.handled.length >= 1, 5_000, 'the healthy message');

      const page = await listDeadLetters();
      expect(page).toEqual({
        items: [
          {
            dead_letter_id: expect.stringMatching(/^\d+-\d+$/),
            envelope: message,
            error: POISON_ERROR,
            listener: 'PoisonWorker.handle',
            group: GROUP,
            attempts: MAX_DELIVERIES,
            failed_at: expect.stringMatching(ISO_TIMESTAMP),
          },
        ],
        next_cursor: null,
      });
      expect(worker.attempts.get(message.message_id)).toBe(MAX_DELIVERIES);
      expect(worker.handled.map((item) => item.message_id)).toEqual([healthy.message_id]);
      expect(await pendingCount(admin, streamKey(keyPrefix, KARMA_LIFECYCLE), GROUP)).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'republishes and removes it',
    async () => {
      const [message] = await poison(1);
      const [letter] = (await listDeadLetters()).items;
      worker.healed = true;

      const response = await app()
        .http()
        .post(`/events/dead-letters/${letter.dead_letter_id}/republish`);

      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        message_id: expect.stringMatching(UUID_V4),
        channel: KARMA_LIFECYCLE,
        payload: message.payload,
        timestamp: expect.stringMatching(ISO_TIMESTAMP),
        metadata: { causation_id: message.message_id },
      });
      expect(response.body.message_id).not.toBe(message.message_id);
      expect(await listDeadLetters()).toEqual({ items: [], next_cursor: null });
      await waitFor(() => worker.handled.length >= 1, 5_000, 'the republished message');
      expect(worker.handled.map((item) => item.message_id)).toEqual([response.body.message_id]);
      const history = await app().http().get('/events/history?order=asc');
      expect(history.status).toBe(200);
      expect(history.body.items.map((item: Envelope) => item.message_id)).toEqual([
        message.message_id,
        response.body.message_id,
      ]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'republishes through the service',
    async () => {
      const [message] = await poison(1);
      const { items } = await app().bus.deadLetters();
      worker.healed = true;

      const envelope = await app().bus.republishDeadLetter(items[0].dead_letter_id);

      expect(envelope.metadata).toEqual({ causation_id: message.message_id });
      expect(envelope.payload).toEqual(message.payload);
      expect(await app().bus.deadLetters()).toEqual({ items: [], next_cursor: null });
      await expect(app().bus.republishDeadLetter(items[0].dead_letter_id)).rejects.toThrow(
        DeadLetterNotFoundException,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'pages dead letters newest first',
    async () => {
      const published = await poison(3);

      const first = await listDeadLetters('?limit=2');
      expect(first.items).toHaveLength(2);
      expect(first.next_cursor).toBe(first.items[1].dead_letter_id);
      const second = await listDeadLetters(`?limit=2&before=${first.next_cursor}`);
      expect(second.items).toHaveLength(1);
      expect(second.next_cursor).toBeNull();

      const letters: DeadLetter[] = [...first.items, ...second.items];
      const ids = letters.map((letter) => letter.dead_letter_id);
      expect(ids).toEqual([...ids].sort(compareEntryIdsDescending));
      expect(new Set(ids).size).toBe(3);
      expect(new Set(letters.map((letter) => letter.envelope.message_id))).toEqual(
        new Set(published.map((envelope) => envelope.message_id)),
      );
    },
    TEST_TIMEOUT_MS,
  );

  it('rejects bad query values', async () => {
    const cases: [query: string, field: string][] = [
      ['limit=0', 'limit'],
      ['limit=-1', 'limit'],
      ['limit=2.5', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=3&limit=4', 'limit'],
      ['before=abc', 'before'],
      ['before=1-0-0', 'before'],
      ['cursor=1-0', 'cursor'],
    ];

    for (const [query, field] of cases) {
      const response = await app().http().get(`/events/dead-letters?${query}`);
      const body = response.body as BadRequestBody;
      expect({ query, status: response.status, field: body.field }).toEqual({
        query,
        status: 400,
        field,
      });
      expect(messageText(body)).toContain(field);
    }
  });

  it('rejects a bad republish id', async () => {
    const malformed = await app().http().post('/events/dead-letters/not-an-id/republish');
    expect(malformed.status).toBe(400);
    expect(malformed.body.field).toBe('id');
    expect(messageText(malformed.body as BadRequestBody)).toContain('not-an-id');

    const unknown = await app().http().post('/events/dead-letters/1-0/republish');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: expect.stringContaining('"1-0" was not found'),
    });
  });
});

function compareEntryIdsDescending(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(BigInt);
  const [bMs, bSeq] = b.split('-').map(BigInt);
  if (aMs !== bMs) {
    return aMs > bMs ? -1 : 1;
  }
  if (aSeq === bSeq) {
    return 0;
  }
  return aSeq > bSeq ? -1 : 1;
}
