import { afterAll, beforeAll } from '@jest/globals';
import { uniqueKeyPrefix } from '../support/redis-apps.js';
import { describeRedis, startRedis, type RedisServer } from '../support/redis-server.js';
import { describeTransportContract } from './transport-contract.js';

describeRedis('EventBusService on the Redis transport', () => {
  let server: RedisServer | undefined;

  beforeAll(async () => {
    server = await startRedis();
  });

  afterAll(async () => {
    await server?.close();
  });

  // Each bus gets a fresh key prefix, so it reads no messages of an earlier test.
  describeTransportContract(() => ({
    transport: {
      type: 'redis',
      url: (server as RedisServer).url,
      keyPrefix: uniqueKeyPrefix('contract'),
      connectTimeoutMs: 2_000,
    },
  }));
});
