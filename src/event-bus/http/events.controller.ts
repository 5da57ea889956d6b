import {
  BadRequestException,
  Controller,
  Get,
  Param,
  Post,
  Query,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Envelope } from '../envelope/envelope.interface.js';
import type { DeadLetterPage } from '../interfaces/dead-letter.interface.js';
import { DEAD_LETTER_ID_PATTERN, DeadLetterQueryDto } from './dto/dead-letter-query.dto.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { EventBusService } from '../event-bus.service.js';
import type { ChannelInfo } from '../interfaces/channel-info.interface.js';
import type { HistoryPage } from '../interfaces/history-query.interface.js';
import { toMessageFilter } from './dto/filter-query.dto.js';
import { HistoryQueryDto } from './dto/history-query.dto.js';
import { EventBusExceptionFilter } from './event-bus-exception.filter.js';
import { FilterQueryPipe } from './filter-query.pipe.js';
import { createEventBusValidationPipe } from './validation.pipe.js';

/** REST routes of the bus: recent history, the channel list and dead letters. */
@Controller('events')
@UseFilters(EventBusExceptionFilter)
@UseGuards(ApiKeyGuard)
export class EventsController {
  constructor(private readonly bus: EventBusService) {}

  /** Returns one page of recent messages. */
  @Get('history')
  history(
    @Query(FilterQueryPipe, createEventBusValidationPipe()) query: HistoryQueryDto,
  ): Promise<HistoryPage> {
    const { channel, limit, after, before, order } = query;
    return this.bus.history({ ...toMessageFilter(query), channel, limit, after, before, order });
  }

  /** Lists every channel with its counters. */
  @Get('channels')
  async channels(): Promise<{ items: ChannelInfo[] }> {
    return { items: await this.bus.channels() };
  }

  /** Lists dead letters, newest first. */
  @Get('dead-letters')
  deadLetters(
    @Query(createEventBusValidationPipe()) query: DeadLetterQueryDto,
  ): Promise<DeadLetterPage> {
    return this.bus.deadLetters(query);
  }

  /** Publishes a dead letter's message again as a new message, then deletes the dead letter. */
  @Post('dead-letters/:id/republish')
  republish(@Param('id') id: string): Promise<Envelope> {
    if (!DEAD_LETTER_ID_PATTERN.test(id)) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: [`id must be a dead_letter_id, such as 1700000000000-0; got "${id}"`],
        field: 'id',
      });
    }
    return this.bus.republishDeadLetter(id);
  }
}
