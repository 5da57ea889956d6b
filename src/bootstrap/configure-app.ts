import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { WsAdapter } from '@nestjs/platform-ws';
import helmet from 'helmet';
import type { ServiceEnv } from '../config/service-env.js';

/** JSON keys that could change an object's prototype if some code assigned them. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Applies the service's HTTP settings; `main.ts` and the end-to-end tests share it, so tests
 * run the same app that production runs.
 *
 * - request bodies above `EVENT_BUS_MAX_BODY_BYTES` get 413;
 * - JSON bodies with a `__proto__`, `constructor` or `prototype` key get 400;
 * - security headers from helmet; CORS only for the origins in `EVENT_BUS_CORS_ORIGINS`;
 * - the plain `ws` WebSocket adapter, and shutdown on SIGTERM and SIGINT.
 */
export function configureApp(app: INestApplication): void {
  const expressApp = app as NestExpressApplication;
  const config = app.get<ConfigService<ServiceEnv, true>>(ConfigService);

  expressApp.useBodyParser('json', {
    limit: config.get('EVENT_BUS_MAX_BODY_BYTES', { infer: true }),
    reviver: rejectPrototypeKeys,
  });
  // The service speaks plain HTTP on loopback by default, so HTTPS upgrades are left out.
  expressApp.use(
    helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }),
  );

  const origins = config.get('EVENT_BUS_CORS_ORIGINS', { infer: true });
  if (origins !== undefined) {
    expressApp.enableCors({ origin: origins.split(',').map((origin) => origin.trim()) });
  }

  app.useWebSocketAdapter(new WsAdapter(app));
  app.enableShutdownHooks();
}

function rejectPrototypeKeys(key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key)) {
    throw new SyntaxError(`The JSON key "${key}" is not allowed in request bodies`);
  }
  return value;
}
