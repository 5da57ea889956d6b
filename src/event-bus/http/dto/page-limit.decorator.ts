import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT } from '../../event-bus.constants.js';
import { toStrictInteger } from './query-transforms.js';

const LIMIT_MESSAGE = `limit must be an integer from 1 to ${MAX_HISTORY_LIMIT}`;

/** The optional `limit` query parameter of paged routes: a whole number of items per page. */
export function PageLimit(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: 'integer',
      minimum: 1,
      maximum: MAX_HISTORY_LIMIT,
      default: DEFAULT_HISTORY_LIMIT,
    }),
    IsOptional(),
    Transform(({ value }) => toStrictInteger(value)),
    IsInt({ message: LIMIT_MESSAGE }),
    Min(1, { message: LIMIT_MESSAGE }),
    Max(MAX_HISTORY_LIMIT, { message: LIMIT_MESSAGE }),
  );
}
