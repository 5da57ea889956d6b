import {
  Controller,
  Get,
  Headers,
  Inject,
  Logger,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { EVENT_BUS_RESOLVED_OPTIONS } from '../event-bus.constants.js';
import type { ResolvedEventBusOptions } from '../event-bus.options.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { AllowApiKeyQuery } from '../auth/required-scope.decorator.js';
import { EventBusService } from '../event-bus.service.js';
import { SSE_HEARTBEAT } from '../streaming/sse/sse-frame.js';
import { SseSink } from '../streaming/sse/sse.sink.js';
import { StreamClientsRegistry } from '../streaming/stream-clients.registry.js';
import { StreamSession } from '../streaming/stream-session.js';
import { toMessageFilter } from './dto/filter-query.dto.js';
import { StreamQueryDto } from './dto/stream-query.dto.js';
import { ErrorResponseDto } from './dto/error-response.dto.js';
import { EventBusExceptionFilter } from './event-bus-exception.filter.js';
import { ApiKeyAuth } from './openapi.decorators.js';
import { FilterQueryPipe } from './filter-query.pipe.js';
import { createEventBusValidationPipe } from './validation.pipe.js';

/** Listener name of every SSE client in logs and metrics; one name keeps metric labels few. */
const SSE_LISTENER_NAME = 'sse-stream';

/** The live stream of messages as Server-Sent Events. */
@Controller('events')
@UseFilters(EventBusExceptionFilter)
@UseGuards(ApiKeyGuard)
@ApiTags('events')
@ApiKeyAuth()
export class EventsStreamController {
  private readonly logger = new Logger('EventBus:Stream');

  constructor(
    private readonly bus: EventBusService,
    private readonly clients: StreamClientsRegistry,
    @Inject(EVENT_BUS_RESOLVED_OPTIONS) private readonly options: ResolvedEventBusOptions,
  ) {}

  /**
   * Streams matching messages as they are published. With `Last-Event-ID` (or `last_event_id`
   * for a first request) it first replays what the client missed from history.
   */
  @Get('stream')
  @AllowApiKeyQuery()
  @ApiOperation({
    summary: 'Stream messages as Server-Sent Events',
    description:
      'Sends each matching message as one event whose id is the message_id, whose event is ' +
      'the channel and whose data is the message as JSON. Takes the filters of GET ' +
      '/events/history, including payload.<field>=<value> and metadata.<field>=<value>. ' +
      'GET /events/asyncapi.json describes the messages of each channel.',
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'Resume after this message_id; browsers send it when they reconnect.',
  })
  @ApiOkResponse({
    description: 'An endless text/event-stream.',
    content: {
      'text/event-stream': {
        schema: { type: 'string' },
        example:
          ': connected\nretry: 3000\n\nid: 8e1a5268-66c0-4efc-b6cb-a0c9c0e88a34\n' +
          'event: karma.lifecycle\ndata: {"message_id":"8e1a5268-66c0-4efc-b6cb-a0c9c0e88a34",' +
          '"channel":"karma.lifecycle","payload":{"user_id":"user-7","event":"birth",' +
          '"occurred_at":"2026-12-03T09:00:00.000Z"},"timestamp":"2026-12-04T20:26:10.793Z"}\n\n',
      },
    },
  })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'A filter or format is invalid; nothing is streamed.',
  })
  async stream(
    @Query(FilterQueryPipe, createEventBusValidationPipe()) query: StreamQueryDto,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const filter = toMessageFilter(query);
    const client = `${request.socket.remoteAddress}:${request.socket.remotePort} [${query.channels?.join(',') ?? '*'}]`;
    const { heartbeatMs, maxBufferedBytes } = this.options.stream;
    const format = query.format ?? 'envelope';
    const sink = new SseSink(response, maxBufferedBytes, client, this.logger, format);
    const session = new StreamSession(this.bus, filter, sink, SSE_LISTENER_NAME);

    // A bad filter throws here, before anything is written, and becomes a 400.
    session.open();
    sink.open();

    const heartbeat = setInterval(() => sink.write(SSE_HEARTBEAT), heartbeatMs);
    const registration = { end: () => sink.end({ kind: 'shutdown' }) };
    const cleanup = () => {
      clearInterval(heartbeat);
      session.stop();
      this.clients.remove(registration);
    };
    response.on('close', cleanup);
    if (request.destroyed || response.destroyed) {
      // The client left before the stream was set up, so 'close' may have fired already.
      cleanup();
      return;
    }
    this.clients.add(registration);

    try {
      await session.resume(lastEventIdHeader ?? query.last_event_id);
    } catch (error) {
      // Headers are sent, so the error cannot become a status code: log it and end the stream.
      this.logger.error(
        `Stream of ${client} failed: ${(error as Error).message}`,
        (error as Error).stack,
      );
      sink.end();
    }
  }
}
