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
import { EventBusExceptionFilter } from './event-bus-exception.filter.js';
import { FilterQueryPipe } from './filter-query.pipe.js';
import { createEventBusValidationPipe } from './validation.pipe.js';

/** Listener name of every SSE client in logs and metrics; one name keeps metric labels few. */
const SSE_LISTENER_NAME = 'sse-stream';

/** The live stream of messages as Server-Sent Events. */
@Controller('events')
@UseFilters(EventBusExceptionFilter)
@UseGuards(ApiKeyGuard)
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
  async stream(
    @Query(FilterQueryPipe, createEventBusValidationPipe()) query: StreamQueryDto,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const filter = toMessageFilter(query);
    const client = `${request.socket.remoteAddress}:${request.socket.remotePort} [${query.channels?.join(',') ?? '*'}]`;
    const { heartbeatMs, maxBufferedBytes } = this.options.stream;
    const sink = new SseSink(response, maxBufferedBytes, client, this.logger);
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
