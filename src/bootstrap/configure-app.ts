import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { WsAdapter } from '@nestjs/platform-ws';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { ServiceEnv } from '../config/service-env.js';
import { setupOpenApi } from './openapi.js';
import { jsonBodyParser } from './json-body.middleware.js';

/**
 * Applies the service's HTTP settings; `main.ts` and the end-to-end tests share it, so tests
 * run the same app that production runs.
 *
 * - request bodies above `EVENT_BUS_MAX_BODY_BYTES` get 413;
 * - JSON bodies with a `__proto__`, `constructor` or `prototype` key get 400;
 * - security headers from helmet; CORS only for the origins in `EVENT_BUS_CORS_ORIGINS`;
 * - per-client rate limits: past `EVENT_BUS_RATE_LIMIT` requests per `EVENT_BUS_RATE_WINDOW_MS`,
 *   429 with `Retry-After`; health probes and metrics are not limited;
 * - the OpenAPI document: the Swagger UI at `/docs` and the JSON at `/docs-json`;
 * - the plain `ws` WebSocket adapter, and shutdown on SIGTERM and SIGINT.
 */
export function configureApp(app: INestApplication): void {
  const expressApp = app as NestExpressApplication;
  const config = app.get<ConfigService<ServiceEnv, true>>(ConfigService);

  // The service speaks plain HTTP on loopback by default, so HTTPS upgrades are left out.
  expressApp.use(
    helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }),
  );

  expressApp.use(createRateLimiter(config));

  const origins = config.get('EVENT_BUS_CORS_ORIGINS', { infer: true });
  if (origins !== undefined) {
    expressApp.enableCors({ origin: origins.split(',').map((origin) => origin.trim()) });
  }

  // Parsing comes after the headers, limits and CORS, so rejected bodies get them too.
  expressApp.use(jsonBodyParser(config.get('EVENT_BUS_MAX_BODY_BYTES', { infer: true })));

  setupOpenApi(app);
  app.useWebSocketAdapter(new WsAdapter(app));
  // process.exit after the hooks makes a graceful SIGTERM end with code 0 instead of 143.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
}

/**
 * Builds the rate limiter. NOTE: this is express-rate-limit rather than @nestjs/throttler,
 * because @nestjs/throttler 6.7 is CommonJS that requires the ESM-only Nest 12 packages, which
 * Jest's ESM runtime cannot load on Node 20, so no test could run the real app with it.
 */
function createRateLimiter(config: ConfigService<ServiceEnv, true>) {
  const limit = config.get('EVENT_BUS_RATE_LIMIT', { infer: true });
  const windowMs = config.get('EVENT_BUS_RATE_WINDOW_MS', { infer: true });
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skip: (request) => request.path.startsWith('/health') || request.path === '/metrics',
    handler: (_request, response) => {
      response.status(429).json({
        statusCode: 429,
        error: 'Too Many Requests',
        message: `More than ${limit} requests in ${windowMs} ms; retry after the Retry-After seconds`,
      });
    },
  });
}
