import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import {
  EventBusModule,
  EventBusService,
  type EventBusModuleOptions,
} from '../../src/event-bus/index.js';
import { CapturingLogger } from './capturing-logger.js';
import { LOOPBACK } from './redis-server.js';

/** An initialised app listening on 127.0.0.1, with its bus, captured logs and an HTTP client. */
export interface RunningApp {
  readonly app: INestApplication;
  readonly bus: EventBusService;
  readonly logger: CapturingLogger;
  /** Base URL such as `http://127.0.0.1:40123`. */
  readonly baseUrl: string;
  /** A supertest agent bound to `baseUrl`. */
  http(): ReturnType<typeof request>;
}

/**
 * Returns a key prefix that no other test uses, so tests sharing one Redis read none of each
 * other's keys.
 */
export function uniqueKeyPrefix(label: string): string {
  return `karma-bus-test:${label}:${randomUUID().slice(0, 8)}:`;
}

/**
 * Builds and initialises an app around `EventBusModule.forRoot(options)` (global, with its
 * HTTP routes) and the given fixture modules, then listens on an ephemeral port of 127.0.0.1.
 */
export async function startBusApp(
  options: EventBusModuleOptions,
  fixtures: ModuleMetadata['imports'] = [],
  logger = new CapturingLogger(),
): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [EventBusModule.forRoot({ ...options, isGlobal: true }), ...fixtures],
  }).compile();
  return listen(moduleRef.createNestApplication({ logger }), logger);
}

/** Closes apps in parallel and ignores those not started. */
export async function closeApps(...apps: ({ app: INestApplication } | undefined)[]): Promise<void> {
  const started = apps.filter((running) => running !== undefined);
  await Promise.all(started.map((running) => running.app.close()));
}

async function listen(app: INestApplication, logger: CapturingLogger): Promise<RunningApp> {
  try {
    await app.init();
    await app.listen(0, LOOPBACK);
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }

  const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
  const baseUrl = `http://${LOOPBACK}:${port}`;
  return {
    app,
    bus: app.get(EventBusService),
    logger,
    baseUrl,
    http: () => request(baseUrl),
  };
}
