/** Settings of the KarmaChain event bus service, read from environment variables. */
export interface ServiceEnv {
  PORT: number;
  HOST: string;
  EVENT_BUS_REDIS_URL?: string;
  EVENT_BUS_KEY_PREFIX?: string;
  EVENT_BUS_CONSUMER_NAME?: string;
  EVENT_BUS_HISTORY_CAPACITY: number;
  EVENT_BUS_MAX_BODY_BYTES: number;
  EVENT_BUS_MAX_PAYLOAD_DEPTH: number;
  EVENT_BUS_MAX_PAYLOAD_KEYS: number;
  EVENT_BUS_API_KEYS?: string;
  EVENT_BUS_RATE_LIMIT: number;
  EVENT_BUS_RATE_WINDOW_MS: number;
  EVENT_BUS_CORS_ORIGINS?: string;
  EVENT_BUS_HEARTBEAT_MS: number;
  EVENT_BUS_SHUTDOWN_TIMEOUT_MS: number;
  EVENT_BUS_LOG_FORMAT: 'text' | 'json';
}

type IntegerSetting = { min: number; max: number; fallback: number };

const INTEGERS: Record<string, IntegerSetting> = {
  PORT: { min: 0, max: 65_535, fallback: 3000 },
  EVENT_BUS_HISTORY_CAPACITY: { min: 1, max: 10_000_000, fallback: 1000 },
  EVENT_BUS_MAX_BODY_BYTES: { min: 1024, max: 100 * 1_048_576, fallback: 65_536 },
  EVENT_BUS_MAX_PAYLOAD_DEPTH: { min: 1, max: 1000, fallback: 32 },
  EVENT_BUS_MAX_PAYLOAD_KEYS: { min: 1, max: 1_000_000, fallback: 1000 },
  EVENT_BUS_RATE_LIMIT: { min: 1, max: 1_000_000_000, fallback: 1000 },
  EVENT_BUS_RATE_WINDOW_MS: { min: 1, max: 86_400_000, fallback: 60_000 },
  EVENT_BUS_HEARTBEAT_MS: { min: 10, max: 3_600_000, fallback: 15_000 },
  EVENT_BUS_SHUTDOWN_TIMEOUT_MS: { min: 0, max: 3_600_000, fallback: 10_000 },
};

/**
 * Validates the environment for `ConfigModule.forRoot({ validate })`.
 * @throws Error naming the variable, its value and what is allowed
 */
export function validateServiceEnv(raw: Record<string, unknown>): ServiceEnv {
  const env: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(INTEGERS)) {
    env[name] = parseInteger(name, raw[name], setting);
  }

  env.HOST = text(raw.HOST) ?? '127.0.0.1';
  const redisUrl = text(raw.EVENT_BUS_REDIS_URL);
  if (redisUrl !== undefined && !/^rediss?:\/\/\S+$/.test(redisUrl)) {
    reject(
      'EVENT_BUS_REDIS_URL',
      redisUrl,
      'a redis:// or rediss:// URL, such as redis://127.0.0.1:6379',
    );
  }
  env.EVENT_BUS_REDIS_URL = redisUrl;
  env.EVENT_BUS_KEY_PREFIX = text(raw.EVENT_BUS_KEY_PREFIX);
  env.EVENT_BUS_CONSUMER_NAME = text(raw.EVENT_BUS_CONSUMER_NAME);
  env.EVENT_BUS_API_KEYS = text(raw.EVENT_BUS_API_KEYS);
  env.EVENT_BUS_CORS_ORIGINS = text(raw.EVENT_BUS_CORS_ORIGINS);

  const logFormat = text(raw.EVENT_BUS_LOG_FORMAT) ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') {
    reject('EVENT_BUS_LOG_FORMAT', logFormat, 'text or json');
  }
  env.EVENT_BUS_LOG_FORMAT = logFormat;
  return env as unknown as ServiceEnv;
}

/** Reads every validated setting back from the ConfigService as one object. */
export function readServiceEnv(config: { get(name: string): unknown }): ServiceEnv {
  const names = [...Object.keys(INTEGERS), ...TEXT_SETTINGS];
  return Object.fromEntries(names.map((name) => [name, config.get(name)])) as unknown as ServiceEnv;
}

const TEXT_SETTINGS = [
  'HOST',
  'EVENT_BUS_REDIS_URL',
  'EVENT_BUS_KEY_PREFIX',
  'EVENT_BUS_CONSUMER_NAME',
  'EVENT_BUS_API_KEYS',
  'EVENT_BUS_CORS_ORIGINS',
  'EVENT_BUS_LOG_FORMAT',
];

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function parseInteger(name: string, value: unknown, setting: IntegerSetting): number {
  const raw = text(value);
  if (raw === undefined) {
    return setting.fallback;
  }
  const parsed = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < setting.min || parsed > setting.max) {
    reject(name, raw, `an integer from ${setting.min} to ${setting.max}`);
  }
  return parsed;
}

function reject(name: string, value: string, allowed: string): never {
  throw new Error(
    `Invalid environment variable ${name}=${JSON.stringify(value)}; allowed: ${allowed}.`,
  );
}
