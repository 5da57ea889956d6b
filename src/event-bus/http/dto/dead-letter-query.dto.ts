import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { MAX_HISTORY_LIMIT } from '../../event-bus.constants.js';
import { toStrictInteger } from './query-transforms.js';

const LIMIT_MESSAGE = `limit must be an integer from 1 to ${MAX_HISTORY_LIMIT}`;

/** Dead letter ids: a Redis stream entry id such as `1700000000000-0`, or a decimal number. */
export const DEAD_LETTER_ID_PATTERN = /^\d{1,20}(-\d{1,20})?$/;

/** Query string of `GET /events/dead-letters`. */
export class DeadLetterQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_HISTORY_LIMIT, default: 50 })
  @IsOptional()
  @Transform(({ value }) => toStrictInteger(value))
  @IsInt({ message: LIMIT_MESSAGE })
  @Min(1, { message: LIMIT_MESSAGE })
  @Max(MAX_HISTORY_LIMIT, { message: LIMIT_MESSAGE })
  limit?: number;

  /** Only dead letters older than this `dead_letter_id`. */
  @ApiPropertyOptional({
    description: 'Only dead letters older than this dead_letter_id, from a previous page.',
    pattern: DEAD_LETTER_ID_PATTERN.source,
    example: '1700000000000-0',
  })
  @IsOptional()
  @Matches(DEAD_LETTER_ID_PATTERN, {
    message: 'before must be a dead_letter_id from a previous page, such as 1700000000000-0',
  })
  before?: string;
}
