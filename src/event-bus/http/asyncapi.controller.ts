import { Controller, Get, Inject, Optional, Req, UseFilters, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { buildAsyncApiDocument } from '../asyncapi/asyncapi.document.js';
import type { SchemaObject } from '../asyncapi/asyncapi-schemas.js';
import { readPackageVersion } from '../asyncapi/package-version.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { KARMA_CHANNEL_DEFINITIONS } from '../channels/karma-channel.definitions.js';
import { EVENT_BUS_RESOLVED_OPTIONS } from '../event-bus.constants.js';
import { EventBusCore } from '../event-bus.core.js';
import type { ResolvedEventBusOptions } from '../event-bus.options.js';
import { EventsGateway } from '../streaming/ws/events.gateway.js';
import { loadEventBusSchema } from '../validation/event-bus-schema.js';
import { EventBusExceptionFilter } from './event-bus-exception.filter.js';
import { ApiKeyAuth } from './openapi.decorators.js';

/** Host headers used in the document: a host name, IPv4 or bracketed IPv6, and an optional port. */
const HOST_HEADER = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/;

/**
 * The AsyncAPI 3.0 document of the live streams. Registered before `EventMessagesController`,
 * whose `:message_id` route would otherwise take `/events/asyncapi.json`.
 */
@Controller('events')
@UseFilters(EventBusExceptionFilter)
@UseGuards(ApiKeyGuard)
@ApiTags('events')
@ApiKeyAuth()
export class AsyncApiController {
  constructor(
    private readonly core: EventBusCore,
    @Inject(EVENT_BUS_RESOLVED_OPTIONS) private readonly options: ResolvedEventBusOptions,
    @Optional() private readonly gateway?: EventsGateway,
  ) {}

  /**
   * Returns the document, built from the registered channels and `schemas/event_bus.json`. The
   * servers use the request's `Host` header, or `localhost` when it is not a plain host and port.
   */
  @Get('asyncapi.json')
  @ApiOperation({
    summary: 'Read the AsyncAPI document of the live streams',
    description:
      'An AsyncAPI 3.0 document: each channel, its message as an envelope and as a ' +
      'CloudEvent, and the SSE and WebSocket servers.',
  })
  @ApiOkResponse({
    description: 'The AsyncAPI 3.0 document.',
    schema: { type: 'object', example: { asyncapi: '3.0.0', info: { title: 'karma-event-bus' } } },
  })
  document(@Req() request: Request): SchemaObject {
    const definitions = new Map(
      [...KARMA_CHANNEL_DEFINITIONS, ...this.options.channels].map((channel) => [
        channel.name,
        channel,
      ]),
    );
    const channels = this.core.registry.names().map((name) => ({
      name,
      description: this.core.registry.get(name).description,
      schema: definitions.get(name)?.schema,
    }));
    const host = request.headers.host;

    return buildAsyncApiDocument({
      channels,
      eventBusSchema: loadEventBusSchema(),
      host: host !== undefined && HOST_HEADER.test(host) ? host : 'localhost',
      secure: request.secure,
      websocket: this.gateway !== undefined,
      version: readPackageVersion(),
    });
  }
}
