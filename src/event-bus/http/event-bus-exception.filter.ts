import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { BusShuttingDownException } from '../exceptions/bus-shutting-down.exception.js';
import { DeadLetterNotFoundException } from '../exceptions/dead-letter-not-found.exception.js';
import { EventBusException } from '../exceptions/event-bus.exception.js';
import { TransportUnavailableException } from '../exceptions/transport-unavailable.exception.js';
import { InvalidFilterException } from '../exceptions/invalid-filter.exception.js';
import { InvalidHistoryQueryException } from '../exceptions/invalid-history-query.exception.js';
import { InvalidPayloadException } from '../exceptions/invalid-payload.exception.js';
import { UnknownChannelException } from '../exceptions/unknown-channel.exception.js';

/**
 * Turns the bus's errors into HTTP responses: input errors into 400 naming the field at fault,
 * a missing dead letter into 404 and an unreachable transport into 503.
 */
@Catch(EventBusException)
export class EventBusExceptionFilter implements ExceptionFilter {
  catch(exception: EventBusException, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const status = statusOf(exception);
    response.status(status).json({
      statusCode: status,
      error: REASONS[status],
      message: exception.message,
      field: fieldOf(exception),
    });
  }
}

const REASONS: Record<number, string> = {
  [HttpStatus.BAD_REQUEST]: 'Bad Request',
  [HttpStatus.NOT_FOUND]: 'Not Found',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'Service Unavailable',
};

function statusOf(exception: EventBusException): HttpStatus {
  if (
    exception instanceof TransportUnavailableException ||
    exception instanceof BusShuttingDownException
  ) {
    return HttpStatus.SERVICE_UNAVAILABLE;
  }
  if (exception instanceof DeadLetterNotFoundException) {
    return HttpStatus.NOT_FOUND;
  }
  return HttpStatus.BAD_REQUEST;
}

function fieldOf(exception: EventBusException): string | undefined {
  if (exception instanceof InvalidHistoryQueryException) {
    return exception.parameter;
  }
  if (exception instanceof InvalidPayloadException) {
    return exception.field;
  }
  if (exception instanceof InvalidFilterException) {
    return exception.parameter;
  }
  if (exception instanceof UnknownChannelException) {
    return 'channel';
  }
  return undefined;
}
