import { Controller, Get, Query, UseFilters, UsePipes } from '@nestjs/common';
import { EventBusService } from '../event-bus.service.js';
import type { ChannelInfo } from '../interfaces/channel-info.interface.js';
import type { HistoryPage } from '../interfaces/history-query.interface.js';
import { HistoryQueryDto } from './dto/history-query.dto.js';
import { EventBusExceptionFilter } from './event-bus-exception.filter.js';
import { createEventBusValidationPipe } from './validation.pipe.js';

/** REST routes of the bus: recent history and the channel list. */
@Controller('events')
@UseFilters(EventBusExceptionFilter)
@UsePipes(createEventBusValidationPipe())
export class EventsController {
  constructor(private readonly bus: EventBusService) {}

  /** Returns one page of recent messages. */
  @Get('history')
  history(@Query() query: HistoryQueryDto): Promise<HistoryPage> {
    return this.bus.history(query);
  }

  /** Lists every channel with its counters. */
  @Get('channels')
  async channels(): Promise<{ items: ChannelInfo[] }> {
    return { items: await this.bus.channels() };
  }
}
