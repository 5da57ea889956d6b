import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/bootstrap/configure-app.js';
import { eventBusOptionsFromEnv } from '../../src/config/event-bus-options.factory.js';
import { readServiceEnv, type ServiceEnv } from '../../src/config/service-env.js';
import { EVENT_BUS_OPTIONS } from '../../src/event-bus/event-bus.constants.js';
import {
  EventBusService,
  type ChannelInfo,
  type EventBusModuleOptions,
} from '../../src/event-bus/index.js';
import { CapturingLogger } from './capturing-logger.js';
import { waitFor } from './wait-for.js';

/** The only address the app binds and the tests connect to. */
export const STREAM_APP_HOST = '127.0.0.1';

/** The real service listening on an ephemeral port of 127.0.0.1. */
export interface StreamApp {
  readonly app: INestApplication;
  readonly bus: EventBusService;
  readonly logger: CapturingLogger;
  /** Such as `http://127.0.0.1:40123`. */
  readonly baseUrl: string;
  /** Such as `ws://127.0.0.1:40123`. */
  readonly wsUrl: string;
}

/**
 * Builds the real AppModule with the settings of an empty environment, merges `options` into the
 * bus options it derives from them, applies `configureApp` as `main.ts` does, and listens on
 * 127.0.0.1.
 */
export async function startStreamApp(options: EventBusModuleOptions = {}): Promise<StreamApp> {
  // AppModule reads its settings from the environment; these suites need the defaults.
  for (const name of Object.keys(process.env).filter((key) => key.startsWith('EVENT_BUS_'))) {
    delete process.env[name];
  }

  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(EVENT_BUS_OPTIONS)
    .useFactory({
      factory: (config: ConfigService<ServiceEnv, true>) => ({
        ...eventBusOptionsFromEnv(readServiceEnv(config)),
        ...options,
      }),
      inject: [ConfigService],
    })
    .compile();

  const logger = new CapturingLogger();
  const app = moduleRef.createNestApplication({ logger });
  configureApp(app);
  try {
    await app.listen(0, STREAM_APP_HOST);
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }

  const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
  return {
    app,
    bus: app.get(EventBusService),
    logger,
    baseUrl: `http://${STREAM_APP_HOST}:${port}`,
    wsUrl: `ws://${STREAM_APP_HOST}:${port}`,
  };
}

/** Status, headers and parsed JSON body of one response. */
export interface JsonResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** Sends `GET baseUrl + path` on a fresh connection and parses the JSON body. */
export function getJson<T = unknown>(baseUrl: string, path: string): Promise<JsonResponse<T>> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${baseUrl}${path}`,
      { method: 'GET', agent: false },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('error', reject);
        response.on('end', () => {
          try {
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: JSON.parse(text) as T,
            });
          } catch (error) {
            reject(new Error(`Invalid JSON from ${path}: ${text.slice(0, 200)}`, { cause: error }));
          }
        });
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/** Subscribers per channel, as `GET /events/channels` reports them. */
export async function subscriberCounts(baseUrl: string): Promise<Record<string, number>> {
  const response = await getJson<{ items: ChannelInfo[] }>(baseUrl, '/events/channels');
  if (response.status !== 200) {
    throw new Error(`GET /events/channels returned ${response.status}`);
  }
  return Object.fromEntries(response.body.items.map((item) => [item.name, item.subscribers]));
}

/** Adds `extra` subscribers to every channel of a count map. */
export function plusSubscribers(
  counts: Record<string, number>,
  extra: Partial<Record<string, number>>,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts).map(([name, count]) => [name, count + (extra[name] ?? 0)]),
  );
}

/**
 * Polls `GET /events/channels` until the subscriber counts equal `expected`.
 * @throws Error with the last counts seen when they differ after `timeoutMs`
 */
export async function waitForSubscriberCounts(
  baseUrl: string,
  expected: Record<string, number>,
  timeoutMs: number,
): Promise<void> {
  let last: Record<string, number> = {};
  try {
    await waitFor(
      async () => {
        last = await subscriberCounts(baseUrl);
        return JSON.stringify(last) === JSON.stringify(expected);
      },
      timeoutMs,
      'subscriber counts',
    );
  } catch (error) {
    throw new Error(
      `Subscriber counts ${JSON.stringify(last)} did not return to ${JSON.stringify(expected)} ` +
        `within ${timeoutMs} ms`,
      { cause: error },
    );
  }
}
