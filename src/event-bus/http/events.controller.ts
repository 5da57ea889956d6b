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
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { CloudEventJson } from '../cloudevents/cloud-event.interface.js';
import { formatMessage } from '../cloudevents/message-format.js';
import type { Envelope } from '../envelope/envelope.interface.js';
import type { DeadLetterPage } from '../interfaces/dead-letter.interface.js';
import { DEAD_LETTER_ID_PATTERN, DeadLetterQueryDto } from './dto/dead-letter-query.dto.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { EventBusService } from '../event-bus.service.js';
import type { ChannelInfo } from '../interfaces/channel-info.interface.js';
import type { HistoryPage } from '../interfaces/history-query.interface.js';
import { toMessageFilter } from './dto/filter-query.dto.js';
import { ChannelListDto } from './dto/channel-info.dto.js';
import { DeadLetterPageDto } from './dto/dead-letter.dto.js';
import { EnvelopeDto } from './dto/envelope.dto.js';
import { ErrorResponseDto } from './dto/error-response.dto.js';
import { CloudEventPageDto, HistoryPageDto } from './dto/history-page.dto.js';
import { HistoryQueryDto } from './dto/history-query.dto.js';
import { EventBusExceptionFilter } from './event-bus-exception.filter.js';
import { FilterQueryPipe } from './filter-query.pipe.js';
import { ApiKeyAuth } from './openapi.decorators.js';
import { createEventBusValidationPipe } from './validation.pipe.js';

/** REST routes of the bus: recent history, the channel list and dead letters. */
@Controller('events')
@UseFilters(EventBusExceptionFilter)
@UseGuards(ApiKeyGuard)
@ApiTags('events')
@ApiKeyAuth()
@ApiServiceUnavailableResponse({
  type: ErrorResponseDto,
  description: 'The Redis transport cannot reach Redis, or the service is shutting down.',
})
export class EventsController {
  constructor(private readonly bus: EventBusService) {}

  /** Returns one page of recent messages, as envelopes or as CloudEvents. */
  @Get('history')
  @ApiOperation({
    summary: 'Read one page of recent messages',
    description:
      'Newest first by default. Besides the parameters listed, payload.<field>=<value> and ' +
      'metadata.<field>=<value> keep only messages whose field equals the value; a dotted ' +
      'path such as payload.user.id reaches a nested field.',
  })
  @ApiExtraModels(HistoryPageDto, CloudEventPageDto)
  @ApiOkResponse({
    description: 'Envelopes, or CloudEvents with format=cloudevents.',
    schema: {
      oneOf: [{ $ref: getSchemaPath(HistoryPageDto) }, { $ref: getSchemaPath(CloudEventPageDto) }],
    },
  })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'A parameter is invalid, or a cursor is no longer in history.',
    example: {
      statusCode: 400,
      error: 'Bad Request',
      message: ['format must be one of: envelope, cloudevents'],
      field: 'format',
    },
  })
  async history(
    @Query(FilterQueryPipe, createEventBusValidationPipe()) query: HistoryQueryDto,
  ): Promise<HistoryPage<Envelope | CloudEventJson>> {
    const { channel, limit, after, before, order, format = 'envelope' } = query;
    const page = await this.bus.history({
      ...toMessageFilter(query),
      channel,
      limit,
      after,
      before,
      order,
    });
    return { ...page, items: page.items.map((envelope) => formatMessage(envelope, format)) };
  }

  /** Lists every channel with its counters. */
  @Get('channels')
  @ApiOperation({ summary: 'List every channel with its counters' })
  @ApiOkResponse({ type: ChannelListDto })
  async channels(): Promise<{ items: ChannelInfo[] }> {
    return { items: await this.bus.channels() };
  }

  /** Lists dead letters, newest first. */
  @Get('dead-letters')
  @ApiOperation({
    summary: 'List dead letters, newest first',
    description: 'Messages that a consumer-group listener failed to handle maxDeliveries times.',
  })
  @ApiOkResponse({ type: DeadLetterPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'limit or before is invalid.' })
  deadLetters(
    @Query(createEventBusValidationPipe()) query: DeadLetterQueryDto,
  ): Promise<DeadLetterPage> {
    return this.bus.deadLetters(query);
  }

  /** Publishes a dead letter's message again as a new message, then deletes the dead letter. */
  @Post('dead-letters/:id/republish')
  @ApiOperation({
    summary: 'Publish a dead letter again',
    description:
      "Publishes the dead letter's message as a new message caused by the old one, then " +
      'deletes the dead letter.',
  })
  @ApiParam({ name: 'id', description: 'A dead_letter_id.', example: '1700000000000-0' })
  @ApiCreatedResponse({ type: EnvelopeDto, description: 'The new message.' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'id is not a dead_letter_id.' })
  @ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: 'There is no such dead letter.',
    example: {
      statusCode: 404,
      error: 'Not Found',
      message: 'Dead letter "1" was not found; list current ones with GET /events/dead-letters.',
    },
  })
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
