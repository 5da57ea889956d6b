import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { EventBusException } from '../exceptions/event-bus.exception.js';
import { InvalidHistoryQueryException } from '../exceptions/invalid-history-query.exception.js';
import { InvalidPayloadException } from '../exceptions/invalid-payload.exception.js';
import { UnknownChannelException } from '../exceptions/unknown-channel.exception.js';

/** Turns the bus's input errors into 400 responses that name the field at fault. */
@Catch(EventBusException)
export class EventBusExceptionFilter implements ExceptionFilter {
  catch(exception: EventBusException, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    response.status(HttpStatus.BAD_REQUEST).json({
      statusCode: HttpStatus.BAD_REQUEST,
      error: 'Bad Request',
      message: exception.message,
      field: fieldOf(exception),
    });
  }
}

function fieldOf(exception: EventBusException): string | undefined {
  if (exception instanceof InvalidHistoryQueryException) {
    return exception.parameter;
  }
  if (exception instanceof InvalidPayloadException) {
    return exception.field;
  }
  if (exception instanceof UnknownChannelException) {
    return 'channel';
  }
  return undefined;
}
