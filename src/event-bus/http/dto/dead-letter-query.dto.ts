import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { PageLimit } from './page-limit.decorator.js';

/** Dead letter ids: a Redis stream entry id such as `1700000000000-0`, or a decimal number. */
export const DEAD_LETTER_ID_PATTERN = /^\d{1,20}(-\d{1,20})?$/;

/** Query string of `GET /events/dead-letters`. */
export class DeadLetterQueryDto {
  @PageLimit()
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
