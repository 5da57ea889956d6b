import {
  Controller,
  Get,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import type { Envelope } from '../envelope/envelope.interface.js';
import { EventBusService } from '../event-bus.service.js';
import type { MessageTrace } from '../interfaces/message-trace.interface.js';
import { EventBusExceptionFilter } from './event-bus-exception.filter.js';

const UUID_PIPE = new ParseUUIDPipe({
  version: '4',
  exceptionFactory: () =>
    new NotFoundException(
      'No such message: message ids are UUID v4 values, such as those in history',
    ),
});

/**
 * One message and the messages it caused, from history. Registered after the other `/events`
 * controllers, so its `:message_id` route never shadows `/events/history` and the like.
 */
@Controller('events')
@UseFilters(EventBusExceptionFilter)
@UseGuards(ApiKeyGuard)
export class EventMessagesController {
  constructor(private readonly bus: EventBusService) {}

  /** Returns one message from history; 404 when it is not (or no longer) there. */
  @Get(':message_id')
  async message(@Param('message_id', UUID_PIPE) messageId: string): Promise<Envelope> {
    const envelope = await this.bus.message(messageId);
    if (envelope === undefined) {
      throw new NotFoundException(`Message ${messageId} is not in history`);
    }
    return envelope;
  }

  /** Returns the message and, recursively, the messages it caused that are still in history. */
  @Get(':message_id/trace')
  async trace(@Param('message_id', UUID_PIPE) messageId: string): Promise<MessageTrace> {
    const trace = await this.bus.trace(messageId);
    if (trace === undefined) {
      throw new NotFoundException(`Message ${messageId} is not in history`);
    }
    return trace;
  }
}
