import type { INestApplication, LoggerService, ModuleMetadata } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/bootstrap/configure-app.js';
import { EventBusService } from '../../src/event-bus/index.js';
import { CapturingLogger } from './capturing-logger.js';

/** The only address the service binds and the tests connect to. */
export const SERVICE_HOST = '127.0.0.1';

/** Environment variables the service reads; those a test does not set are unset while it builds. */
const SERVICE_VARIABLE = /^(EVENT_BUS_\w+|PORT|HOST)$/;

/** The real service (AppModule set up as `main.ts` does) listening on an ephemeral port. */
export interface KarmaService {
  readonly app: INestApplication;
  readonly bus: EventBusService;
  readonly logger: CapturingLogger;
  /** Such as `http://127.0.0.1:40123`. */
  readonly baseUrl: string;
  /** Such as `ws://127.0.0.1:40123`. */
  readonly wsUrl: string;
  /** A supertest client bound to `baseUrl`. */
  http(): ReturnType<typeof request>;
}

/** Options of `startKarmaService()`. */
export interface KarmaServiceOptions {
  /** Modules built next to AppModule, such as fixture listeners. */
  fixtures?: ModuleMetadata['imports'];
  logger?: CapturingLogger;
}

/**
 * Builds AppModule with `env` as the only service settings, applies `configureApp` as `main.ts`
 * does, and listens on 127.0.0.1 with an ephemeral port.
 * @param env variables such as `EVENT_BUS_API_KEYS`; every other service variable is unset
 */
export async function startKarmaService(
  env: Record<string, string> = {},
  options: KarmaServiceOptions = {},
): Promise<KarmaService> {
  const logger = options.logger ?? new CapturingLogger();
  const moduleRef = await compileKarmaService(env, options.fixtures, logger);

  const app = moduleRef.createNestApplication({ bodyParser: false, logger });
  configureApp(app);
  try {
    await app.listen(0, SERVICE_HOST);
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }

  const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
  const baseUrl = `http://${SERVICE_HOST}:${port}`;
  return {
    app,
    bus: app.get(EventBusService),
    logger,
    baseUrl,
    wsUrl: `ws://${SERVICE_HOST}:${port}`,
    http: () => request(baseUrl),
  };
}

/**
 * Compiles AppModule (and fixtures) while `process.env` contains exactly `env` for the service's
 * variables, then restores `process.env`. AppModule validates its settings here.
 */
export async function compileKarmaService(
  env: Record<string, string>,
  fixtures: ModuleMetadata['imports'] = [],
  logger: LoggerService = new CapturingLogger(),
): Promise<TestingModule> {
  const saved = Object.entries(process.env).filter(([name]) => SERVICE_VARIABLE.test(name));
  for (const [name] of saved) {
    delete process.env[name];
  }
  Object.assign(process.env, env);

  try {
    return await Test.createTestingModule({ imports: [AppModule, ...fixtures] })
      .setLogger(logger)
      .compile();
  } finally {
    for (const name of Object.keys(env)) {
      delete process.env[name];
    }
    Object.assign(process.env, Object.fromEntries(saved));
  }
}

/** Joins every captured log entry into one line of text each, for searching. */
export function logText(logger: CapturingLogger): string {
  return logger.entries
    .map((entry) => [entry.level, entry.message, ...entry.params].map(String).join(' '))
    .join('\n');
}
