import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { startKarmaService, type KarmaService } from './support/karma-service.js';

/** One route as Nest logs it at start-up: `Mapped {/events/history, GET} route`. */
const MAPPED_ROUTE = /^Mapped \{(\/[^,]*), (\w+)\} route$/;

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

interface Operation {
  summary?: string;
  parameters?: { name: string; in: string; schema?: Record<string, unknown> }[];
  responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
}

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

/** `GET /events/{message_id}` in the document is `GET /events/:message_id` in Nest. */
function toNestPath(openApiPath: string): string {
  return openApiPath.replace(/\{([^}]+)\}/g, ':$1');
}

describe('OpenAPI document (e2e)', () => {
  let service: KarmaService | undefined;
  let document: OpenApiDocument;

  beforeEach(async () => {
    service = await startKarmaService();
    const response = await service.http().get('/docs-json');
    expect(response.status).toBe(200);
    document = response.body as OpenApiDocument;
  });

  afterEach(async () => {
    await service?.app.close();
    service = undefined;
  });

  function running(): KarmaService {
    if (service === undefined) {
      throw new Error('The service did not start');
    }
    return service;
  }

  function operations(): [string, Operation][] {
    return Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => HTTP_METHODS.includes(method))
        .map(([method, operation]): [string, Operation] => [
          `${method.toUpperCase()} ${toNestPath(path)}`,
          operation,
        ]),
    );
  }

  function operation(route: string): Operation {
    const found = operations().find(([name]) => name === route)?.[1];
    if (found === undefined) {
      throw new Error(`The document has no operation ${route}`);
    }
    return found;
  }

  it('lists every route Nest maps', () => {
    const mapped = running()
      .logger.entries.filter((entry) => entry.params.at(-1) === 'RouterExplorer')
      .map((entry) => MAPPED_ROUTE.exec(String(entry.message)))
      .filter((match) => match !== null)
      .map((match) => `${match[2]} ${match[1]}`);

    const documented = operations().map(([name]) => name);

    expect(mapped.length).toBeGreaterThan(10);
    expect([...documented].sort()).toEqual([...mapped].sort());
  });

  it('is OpenAPI 3 with the service version', () => {
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info.title).toBe('KarmaChain event bus');
    expect(document.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['api_key', 'bearer']);
  });

  it('summarizes the API routes', () => {
    const undocumented = operations()
      .filter(([name]) => !/^GET \/($|dashboard\/)/.test(name))
      .filter(([, item]) => item.summary === undefined)
      .map(([name]) => name);

    expect(undocumented).toEqual([]);
  });

  it('documents the response bodies', () => {
    expect(operation('GET /events/channels').responses['200'].content).toEqual({
      'application/json': { schema: { $ref: '#/components/schemas/ChannelListDto' } },
    });
    expect(operation('GET /events/history').responses['200'].content).toEqual({
      'application/json': {
        schema: {
          oneOf: [
            { $ref: '#/components/schemas/HistoryPageDto' },
            { $ref: '#/components/schemas/CloudEventPageDto' },
          ],
        },
      },
    });
    expect(operation('POST /karma/lifecycle').responses['201'].content).toEqual({
      'application/json': { schema: { $ref: '#/components/schemas/EnvelopeDto' } },
    });
    expect(Object.keys(operation('GET /events/stream').responses['200'].content ?? {})).toEqual([
      'text/event-stream',
    ]);
    expect(Object.keys(operation('GET /metrics').responses['200'].content ?? {})).toEqual([
      'text/plain',
    ]);
  });

  it('documents the error responses', () => {
    const errorBody = {
      'application/json': expect.objectContaining({
        schema: { $ref: '#/components/schemas/ErrorResponseDto' },
      }),
    };

    for (const route of ['GET /events/history', 'GET /events/stream', 'POST /karma/influence']) {
      expect(operation(route).responses['400'].content).toEqual(errorBody);
      expect(operation(route).responses['401'].content).toEqual(errorBody);
      expect(operation(route).responses['403'].content).toEqual(errorBody);
    }
    expect(operation('GET /events/:message_id').responses['404'].content).toEqual(errorBody);
    expect(operation('GET /karma/scores/:user_id').responses['404'].content).toEqual(errorBody);
    expect(operation('POST /events/dead-letters/:id/republish').responses['404'].content).toEqual(
      errorBody,
    );
    expect(Object.keys(operation('GET /health/ready').responses).sort()).toEqual(['200', '503']);
  });

  it('documents both message formats', () => {
    const oneOf = (...names: string[]) => ({
      oneOf: names.map((name) => ({ $ref: `#/components/schemas/${name}` })),
    });
    const okSchema = (route: string) =>
      operation(route).responses['200'].content?.['application/json'].schema;

    expect(okSchema('GET /events/:message_id')).toEqual(oneOf('EnvelopeDto', 'CloudEventDto'));
    expect(okSchema('GET /events/:message_id/trace')).toEqual(
      oneOf('MessageTraceDto', 'CloudEventTraceDto'),
    );
    for (const route of ['GET /events/:message_id', 'GET /events/:message_id/trace']) {
      const parameters = operation(route).parameters ?? [];
      expect(parameters.map((parameter) => parameter.name).sort()).toEqual([
        'format',
        'message_id',
      ]);
      expect(operation(route).responses['400'].content).toBeDefined();
    }
  });

  it('documents the query parameters', () => {
    const history = operation('GET /events/history').parameters ?? [];

    expect(history.map((parameter) => parameter.name).sort()).toEqual([
      'after',
      'before',
      'channel',
      'channels',
      'format',
      'limit',
      'order',
    ]);
    expect(history.find((parameter) => parameter.name === 'format')?.schema).toEqual({
      enum: ['envelope', 'cloudevents'],
      type: 'string',
      default: 'envelope',
    });
    expect(
      (operation('GET /events/stream').parameters ?? []).map((parameter) => parameter.name).sort(),
    ).toEqual(['Last-Event-ID', 'api_key', 'channels', 'format', 'last_event_id']);
  });

  it('documents the request bodies', () => {
    const schemas = document.components.schemas as Record<
      string,
      { required?: string[]; properties: Record<string, unknown> }
    >;

    expect(schemas.InfluenceRequestDto.required).toEqual(['user_id', 'actions']);
    expect(Object.keys(schemas.KarmaActionDto.properties).sort()).toEqual([
      'magnitude',
      'occurred_at',
      'type',
    ]);
    expect(schemas.LifecycleRequestDto.required).toEqual(['user_id', 'event']);
  });

  it('serves the Swagger UI', async () => {
    const page = await running().http().get('/docs');
    const init = await running().http().get('/docs/swagger-ui-init.js');

    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('swagger-ui-init.js');
    expect(init.status).toBe(200);
    expect(init.text).toContain('KarmaChain event bus');
  });
});
