import {
  Controller,
  Get,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Query,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import type { CloudEventJson } from '../cloudevents/cloud-event.interface.js';
import { formatMessage, type MessageFormat } from '../cloudevents/message-format.js';
import type { Envelope } from '../envelope/envelope.interface.js';
import { EventBusService } from '../event-bus.service.js';
import type { MessageTrace } from '../interfaces/message-trace.interface.js';
import { CloudEventDto } from './dto/cloud-event.dto.js';
import { EnvelopeDto } from './dto/envelope.dto.js';
import { ErrorResponseDto } from './dto/error-response.dto.js';
import { MessageFormatQueryDto } from './dto/message-format-query.dto.js';
import { CloudEventTraceDto, MessageTraceDto } from './dto/message-trace.dto.js';
import { EventBusExceptionFilter } from './event-bus-exception.filter.js';
import { createEventBusValidationPipe } from './validation.pipe.js';
import { ApiKeyAuth } from './openapi.decorators.js';

const UUID_PIPE = new ParseUUIDPipe({
  version: '4',
  exceptionFactory: () =>
    new NotFoundException(
      'No such message: message ids are UUID v4 values, such as those in history',
    ),
});

/** Documents the 404 of a message id that is not (or no longer) in history. */
const ApiMessageNotFound = () =>
  ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: 'The message is not, or no longer, in history, or the id is not a UUID v4.',
    example: {
      statusCode: 404,
      error: 'Not Found',
      message: 'Message 3f1c2a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f is not in history',
    },
  });

/** Documents the 400 of an invalid `format` or an unknown query parameter. */
const ApiInvalidFormat = () =>
  ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'format is not envelope or cloudevents, or the query has another parameter.',
    example: {
      statusCode: 400,
      error: 'Bad Request',
      message: ['format must be one of: envelope, cloudevents'],
      field: 'format',
    },
  });

/** A message trace with each message in the requested form. */
type FormattedTrace = MessageTrace<Envelope | CloudEventJson>;

function formatTrace(trace: MessageTrace, format: MessageFormat): FormattedTrace {
  return {
    message: formatMessage(trace.message, format),
    caused: trace.caused.map((child) => formatTrace(child, format)),
  };
}

/**
 * One message and the messages it caused, from history. Registered after the other `/events`
 * controllers, so its `:message_id` route never shadows `/events/history` and the like.
 */
@Controller('events')
@UseFilters(EventBusExceptionFilter)
@UseGuards(ApiKeyGuard)
@ApiTags('events')
@ApiKeyAuth()
@ApiParam({ name: 'message_id', format: 'uuid', description: 'The id of a message in history.' })
export class EventMessagesController {
  constructor(private readonly bus: EventBusService) {}

  /** Returns one message from history, as an envelope or a CloudEvent, or 404 when it is gone. */
  @Get(':message_id')
  @ApiOperation({ summary: 'Read one message from history' })
  @ApiExtraModels(EnvelopeDto, CloudEventDto)
  @ApiOkResponse({
    description: 'The envelope, or a CloudEvent with format=cloudevents.',
    schema: {
      oneOf: [{ $ref: getSchemaPath(EnvelopeDto) }, { $ref: getSchemaPath(CloudEventDto) }],
    },
  })
  @ApiInvalidFormat()
  @ApiMessageNotFound()
  async message(
    @Param('message_id', UUID_PIPE) messageId: string,
    @Query(createEventBusValidationPipe()) query: MessageFormatQueryDto,
  ): Promise<Envelope | CloudEventJson> {
    const envelope = await this.bus.message(messageId);
    if (envelope === undefined) {
      throw new NotFoundException(`Message ${messageId} is not in history`);
    }
    return formatMessage(envelope, query.format ?? 'envelope');
  }

  /** Returns the message and, recursively, the messages it caused that are still in history. */
  @Get(':message_id/trace')
  @ApiOperation({
    summary: 'Read a message and the messages it caused',
    description:
      'Follows metadata.causation_id recursively through the messages still in history. ' +
      'With format=cloudevents, each message is a CloudEvent.',
  })
  @ApiExtraModels(MessageTraceDto, CloudEventTraceDto)
  @ApiOkResponse({
    description: 'The trace, or a trace of CloudEvents with format=cloudevents.',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(MessageTraceDto) },
        { $ref: getSchemaPath(CloudEventTraceDto) },
      ],
    },
  })
  @ApiInvalidFormat()
  @ApiMessageNotFound()
  async trace(
    @Param('message_id', UUID_PIPE) messageId: string,
    @Query(createEventBusValidationPipe()) query: MessageFormatQueryDto,
  ): Promise<FormattedTrace> {
    const trace = await this.bus.trace(messageId);
    if (trace === undefined) {
      throw new NotFoundException(`Message ${messageId} is not in history`);
    }
    return formatTrace(trace, query.format ?? 'envelope');
  }
}
