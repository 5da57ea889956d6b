import { BadRequestException, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { EventBusCore } from '../event-bus.core.js';

/** Correlation ids: 1 to 128 printable ASCII characters, as the metadata schema allows. */
const CORRELATION_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * Makes a request's `X-Correlation-Id` header the `correlation_id` of every message published
 * while the request is handled. A malformed header gets 400 naming it.
 */
@Injectable()
export class CorrelationIdMiddleware implements NestMiddleware {
  constructor(private readonly core: EventBusCore) {}

  use(request: Request, _response: Response, next: NextFunction): void {
    const header = request.headers['x-correlation-id'];
    if (header === undefined) {
      next();
      return;
    }
    if (typeof header !== 'string' || !CORRELATION_ID.test(header)) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: ['X-Correlation-Id must be 1 to 128 printable ASCII characters, given once'],
        field: 'X-Correlation-Id',
      });
    }
    this.core.context.runRequest(header, next);
  }
}
