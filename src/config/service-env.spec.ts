import { describe, expect, it } from '@jest/globals';
import { validateServiceEnv } from './service-env.js';

/** Every integer setting with its allowed range. */
const RANGES = [
  { name: 'PORT', min: 0, max: 65_535 },
  { name: 'EVENT_BUS_HISTORY_CAPACITY', min: 1, max: 10_000_000 },
  { name: 'EVENT_BUS_MAX_BODY_BYTES', min: 1024, max: 104_857_600 },
  { name: 'EVENT_BUS_MAX_PAYLOAD_DEPTH', min: 1, max: 1000 },
  { name: 'EVENT_BUS_MAX_PAYLOAD_KEYS', min: 1, max: 1_000_000 },
  { name: 'EVENT_BUS_RATE_LIMIT', min: 1, max: 1_000_000_000 },
  { name: 'EVENT_BUS_RATE_WINDOW_MS', min: 1, max: 86_400_000 },
  { name: 'EVENT_BUS_HEARTBEAT_MS', min: 10, max: 3_600_000 },
  { name: 'EVENT_BUS_SHUTDOWN_TIMEOUT_MS', min: 0, max: 3_600_000 },
];

function rejection(name: string, value: string, allowed: string): string {
  return `Invalid environment variable ${name}=${JSON.stringify(value)}; allowed: ${allowed}.`;
}

describe('validateServiceEnv', () => {
  describe('integer settings', () => {
    it.each(RANGES)('$name accepts its bounds', ({ name, min, max }) => {
      expect(validateServiceEnv({ [name]: String(min) })[name as 'PORT']).toBe(min);
      expect(validateServiceEnv({ [name]: String(max) })[name as 'PORT']).toBe(max);
    });

    it.each(RANGES)('$name rejects values outside', ({ name, min, max }) => {
      const allowed = `an integer from ${min} to ${max}`;
      for (const value of [String(min - 1), String(max + 1)]) {
        expect(() => validateServiceEnv({ [name]: value })).toThrow(
          new Error(rejection(name, value, allowed)),
        );
      }
    });

    it.each(['+5', '0x10', '5.0', '1_000', '1e3', '12abc', '٣'])(
      'rejects non-decimal %s',
      (value) => {
        expect(() => validateServiceEnv({ EVENT_BUS_RATE_LIMIT: value })).toThrow(
          new Error(rejection('EVENT_BUS_RATE_LIMIT', value, 'an integer from 1 to 1000000000')),
        );
      },
    );

    it('trims surrounding spaces', () => {
      expect(validateServiceEnv({ EVENT_BUS_RATE_LIMIT: ' 42 ' }).EVENT_BUS_RATE_LIMIT).toBe(42);
    });

    it('blank means default', () => {
      expect(validateServiceEnv({ PORT: '   ' }).PORT).toBe(3000);
    });
  });

  describe('text settings', () => {
    it.each(['redis://127.0.0.1:6379', 'rediss://127.0.0.1:6380/2'])('accepts URL %s', (url) => {
      expect(validateServiceEnv({ EVENT_BUS_REDIS_URL: url }).EVENT_BUS_REDIS_URL).toBe(url);
    });

    it.each(['127.0.0.1:6379', 'redis://', 'http://127.0.0.1:6379'])('rejects URL %s', (url) => {
      expect(() => validateServiceEnv({ EVENT_BUS_REDIS_URL: url })).toThrow(
        new Error(
          rejection(
            'EVENT_BUS_REDIS_URL',
            url,
            'a redis:// or rediss:// URL, such as redis://127.0.0.1:6379',
          ),
        ),
      );
    });

    it('log format is text or json', () => {
      expect(validateServiceEnv({}).EVENT_BUS_LOG_FORMAT).toBe('text');
      expect(validateServiceEnv({ EVENT_BUS_LOG_FORMAT: 'json' }).EVENT_BUS_LOG_FORMAT).toBe(
        'json',
      );
      expect(() => validateServiceEnv({ EVENT_BUS_LOG_FORMAT: 'JSON' })).toThrow(
        new Error(rejection('EVENT_BUS_LOG_FORMAT', 'JSON', 'text or json')),
      );
    });
  });
});
