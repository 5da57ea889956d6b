import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { API_KEY_SECURITY_SCHEME, BEARER_SECURITY_SCHEME } from '../event-bus/index.js';

/** Path of the Swagger UI. The JSON document is at the same path plus `-json`. */
export const OPENAPI_UI_PATH = 'docs';

/** The repository's `package.json`: two levels up from this file in `src/` and `dist/`. */
const PACKAGE_JSON_URL = new URL('../../package.json', import.meta.url);

/**
 * Serves the OpenAPI document of every route: the Swagger UI at `/docs` and the JSON at
 * `/docs-json`. The document is built on the first request, once every module is initialised.
 */
export function setupOpenApi(app: INestApplication): void {
  const { version } = JSON.parse(readFileSync(PACKAGE_JSON_URL, 'utf8')) as { version: string };
  const config = new DocumentBuilder()
    .setTitle('KarmaChain event bus')
    .setDescription(
      'The karma routes, the event bus routes, health probes and metrics. The live streams and ' +
        'their messages are described by the AsyncAPI document at GET /events/asyncapi.json. ' +
        'When the service has API keys, send one as X-API-Key or Authorization: Bearer.',
    )
    .setVersion(version)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, API_KEY_SECURITY_SCHEME)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'API key' },
      BEARER_SECURITY_SCHEME,
    )
    .build();

  const createDocument = (): OpenAPIObject => SwaggerModule.createDocument(app, config);
  SwaggerModule.setup(OPENAPI_UI_PATH, app, createDocument, {
    jsonDocumentUrl: `${OPENAPI_UI_PATH}-json`,
    yamlDocumentUrl: `${OPENAPI_UI_PATH}-yaml`,
  });
}
