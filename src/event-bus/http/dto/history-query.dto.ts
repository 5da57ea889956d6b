import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, Min } from 'class-validator';
import { MAX_HISTORY_LIMIT } from '../../event-bus.constants.js';
import { HISTORY_ORDERS, type HistoryOrder } from '../../interfaces/history-query.interface.js';
import { FilterQueryDto } from './filter-query.dto.js';
import { toStrictInteger } from './query-transforms.js';

const LIMIT_MESSAGE = `limit must be an integer from 1 to ${MAX_HISTORY_LIMIT}`;

/** Query string of `GET /events/history`. */
export class HistoryQueryDto extends FilterQueryDto {
  /** Only this channel; every channel when absent. */
  @IsOptional()
  @IsString({ message: 'channel must be one channel name, such as karma.feedback' })
  channel?: string;

  /** Items per page. */
  @IsOptional()
  @Transform(({ value }) => toStrictInteger(value))
  @IsInt({ message: LIMIT_MESSAGE })
  @Min(1, { message: LIMIT_MESSAGE })
  @Max(MAX_HISTORY_LIMIT, { message: LIMIT_MESSAGE })
  limit?: number;

  /** Only messages newer than this message_id. */
  @IsOptional()
  @IsUUID('4', { message: 'after must be the message_id (a UUID v4) of a message in history' })
  after?: string;

  /** Only messages older than this message_id. */
  @IsOptional()
  @IsUUID('4', { message: 'before must be the message_id (a UUID v4) of a message in history' })
  before?: string;

  /** Newest first (`desc`, the default) or oldest first (`asc`). */
  @IsOptional()
  @IsIn(HISTORY_ORDERS, { message: `order must be one of: ${HISTORY_ORDERS.join(', ')}` })
  order?: HistoryOrder;
}
