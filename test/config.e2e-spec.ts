import { describe, expect, it } from '@jest/globals';
import { ConfigService } from '@nestjs/config';
import { analyticsPayload } from './support/karma-payloads.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { compileKarmaService, logText, startKarmaService } from './support/karma-service.js';

const API_KEYS_ALLOWED =
  'allowed: entries separated by ";", each key=scope,scope with a key of at least 16 ' +
  'characters and the scopes read and publish, such as 0123456789abcdef=read,publish.';

/** Compiles AppModule with `env` and returns the error it fails with, and what it logged. */
async function startupFailure(env: Record<string, string>) {
  const logger = new CapturingLogger();
  const error = await compileKarmaService(env, [], logger).then(
    async (moduleRef) => {
      await moduleRef.close();
      return new Error('the app was built');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Error);
  return { error: error as Error, logs: logText(logger) };
}

describe('Service settings (e2e)', () => {
  describe('when a value is invalid', () => {
    const CASES = [
      {
        name: 'EVENT_BUS_HISTORY_CAPACITY',
        value: 'abc',
        allowed: 'an integer from 1 to 10000000',
      },
      { name: 'PORT', value: '70000', allowed: 'an integer from 0 to 65535' },
      { name: 'EVENT_BUS_LOG_FORMAT', value: 'xml', allowed: 'text or json' },
      {
        name: 'EVENT_BUS_MAX_BODY_BYTES',
        value: '1023',
        allowed: 'an integer from 1024 to 104857600',
      },
      { name: 'EVENT_BUS_RATE_LIMIT', value: '0', allowed: 'an integer from 1 to 1000000000' },
      { name: 'EVENT_BUS_RATE_WINDOW_MS', value: '1.5', allowed: 'an integer from 1 to 86400000' },
      {
        name: 'EVENT_BUS_SHUTDOWN_TIMEOUT_MS',
        value: '-1',
        allowed: 'an integer from 0 to 3600000',
      },
      { name: 'EVENT_BUS_HEARTBEAT_MS', value: '9', allowed: 'an integer from 10 to 3600000' },
      { name: 'EVENT_BUS_MAX_PAYLOAD_DEPTH', value: '1001', allowed: 'an integer from 1 to 1000' },
      { name: 'EVENT_BUS_MAX_PAYLOAD_KEYS', value: '1e3', allowed: 'an integer from 1 to 1000000' },
      {
        name: 'EVENT_BUS_REDIS_URL',
        value: 'http://127.0.0.1:6379',
        allowed: 'a redis:// or rediss:// URL, such as redis://127.0.0.1:6379',
      },
    ];

    it.each(CASES)('$name=$value stops start-up', async ({ name, value, allowed }) => {
      const { error } = await startupFailure({ [name]: value });

      expect(error.message).toBe(
        `Invalid environment variable ${name}="${value}"; allowed: ${allowed}.`,
      );
    });
  });

  describe('when EVENT_BUS_API_KEYS is malformed', () => {
    const VALID = 'valid-key-7c1e0b9a2d4f=read';
    const CASES = [
      { problem: 'short key', value: 'shortSecret0815=read', entry: 1, secret: 'shortSecret0815' },
      {
        problem: 'unknown scope',
        value: 'scopeSecret-4b8d2e6f=read,admin',
        entry: 1,
        secret: 'scopeSecret-4b8d2e6f',
      },
      {
        problem: 'no scopes',
        value: `${VALID};bareSecret-9a7c5e3b`,
        entry: 2,
        secret: 'bareSecret-9a7c5e3b',
      },
      {
        problem: 'second equals sign',
        value: 'equalSecret-1f3e5d7c=read=publish',
        entry: 1,
        secret: 'equalSecret-1f3e5d7c',
      },
      {
        problem: 'empty scope',
        value: 'emptySecret-2c4a6e8d=read,',
        entry: 1,
        secret: 'emptySecret-2c4a6e8d',
      },
    ];

    it.each(CASES)('$problem stops start-up', async ({ value, entry, secret }) => {
      const { error, logs } = await startupFailure({ EVENT_BUS_API_KEYS: value });

      expect(error.message).toBe(
        `Invalid environment variable EVENT_BUS_API_KEYS: entry ${entry} is malformed; ${API_KEYS_ALLOWED}`,
      );
      expect(error.stack).not.toContain(secret);
      expect(logs).not.toContain(secret);
      expect(logs).not.toContain('valid-key-7c1e0b9a2d4f');
    });
  });

  describe('when values are valid', () => {
    it('defaults apply when unset', async () => {
      const moduleRef = await compileKarmaService({});
      try {
        const config = moduleRef.get(ConfigService);
        const names = [
          'PORT',
          'HOST',
          'EVENT_BUS_HISTORY_CAPACITY',
          'EVENT_BUS_MAX_BODY_BYTES',
          'EVENT_BUS_MAX_PAYLOAD_DEPTH',
          'EVENT_BUS_MAX_PAYLOAD_KEYS',
          'EVENT_BUS_RATE_LIMIT',
          'EVENT_BUS_RATE_WINDOW_MS',
          'EVENT_BUS_HEARTBEAT_MS',
          'EVENT_BUS_SHUTDOWN_TIMEOUT_MS',
          'EVENT_BUS_LOG_FORMAT',
          'EVENT_BUS_REDIS_URL',
          'EVENT_BUS_API_KEYS',
          'EVENT_BUS_CORS_ORIGINS',
        ];

        expect(Object.fromEntries(names.map((name) => [name, config.get(name)]))).toEqual({
          PORT: 3000,
          HOST: '127.0.0.1',
          EVENT_BUS_HISTORY_CAPACITY: 1000,
          EVENT_BUS_MAX_BODY_BYTES: 65_536,
          EVENT_BUS_MAX_PAYLOAD_DEPTH: 32,
          EVENT_BUS_MAX_PAYLOAD_KEYS: 1000,
          EVENT_BUS_RATE_LIMIT: 1000,
          EVENT_BUS_RATE_WINDOW_MS: 60_000,
          EVENT_BUS_HEARTBEAT_MS: 15_000,
          EVENT_BUS_SHUTDOWN_TIMEOUT_MS: 10_000,
          EVENT_BUS_LOG_FORMAT: 'text',
          EVENT_BUS_REDIS_URL: undefined,
          EVENT_BUS_API_KEYS: undefined,
          EVENT_BUS_CORS_ORIGINS: undefined,
        });
      } finally {
        await moduleRef.close();
      }
    });

    it('boundary values are accepted', async () => {
      const moduleRef = await compileKarmaService({
        PORT: '65535',
        EVENT_BUS_MAX_BODY_BYTES: ' 1024 ',
        EVENT_BUS_SHUTDOWN_TIMEOUT_MS: '0',
        EVENT_BUS_LOG_FORMAT: 'json',
      });
      try {
        const config = moduleRef.get(ConfigService);

        expect(config.get('PORT')).toBe(65_535);
        expect(config.get('EVENT_BUS_MAX_BODY_BYTES')).toBe(1024);
        expect(config.get('EVENT_BUS_SHUTDOWN_TIMEOUT_MS')).toBe(0);
        expect(config.get('EVENT_BUS_LOG_FORMAT')).toBe('json');
      } finally {
        await moduleRef.close();
      }
    });

    it('history capacity reaches the bus', async () => {
      const service = await startKarmaService({ EVENT_BUS_HISTORY_CAPACITY: '3' });
      try {
        const published = [];
        for (let n = 1; n <= 5; n++) {
          published.push((await service.bus.publishAnalytics(analyticsPayload(n))).message_id);
        }

        const response = await service.http().get('/events/history?channel=karma.analytics');

        expect(response.status).toBe(200);
        const ids = (response.body as { items: { message_id: string }[] }).items.map(
          (item) => item.message_id,
        );
        expect(ids).toEqual(published.slice(2).reverse());
      } finally {
        await service.app.close();
      }
    });

    it('settings are read per app', async () => {
      const small = await startKarmaService({ EVENT_BUS_HISTORY_CAPACITY: '1' });
      const large = await startKarmaService({ EVENT_BUS_HISTORY_CAPACITY: '2' });
      try {
        for (const service of [small, large]) {
          for (let n = 1; n <= 3; n++) {
            await service.bus.publishAnalytics(analyticsPayload(n));
          }
        }

        expect((await small.bus.history()).items).toHaveLength(1);
        expect((await large.bus.history()).items).toHaveLength(2);
      } finally {
        await Promise.all([small.app.close(), large.app.close()]);
      }
    });
  });
});
