import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID } from 'class-validator';
import {
  INVALID_FORMAT_MESSAGE,
  MESSAGE_FORMATS,
  type MessageFormat,
} from '../../cloudevents/message-format.js';
import { HISTORY_ORDERS, type HistoryOrder } from '../../interfaces/history-query.interface.js';
import { FilterQueryDto } from './filter-query.dto.js';
import { PageLimit } from './page-limit.decorator.js';

/** Query string of `GET /events/history`. */
export class HistoryQueryDto extends FilterQueryDto {
  /** Only this channel; every channel when absent. */
  @ApiPropertyOptional({
    description: 'Only this channel; every channel when absent. Not together with channels.',
    example: 'karma.feedback',
  })
  @IsOptional()
  @IsString({ message: 'channel must be one channel name, such as karma.feedback' })
  channel?: string;

  /** Items per page. */
  @PageLimit()
  limit?: number;

  /** Only messages newer than this message_id. */
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Only messages published after this message_id, which must still be in history.',
  })
  @IsOptional()
  @IsUUID('4', { message: 'after must be the message_id (a UUID v4) of a message in history' })
  after?: string;

  /** Only messages older than this message_id. */
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Only messages published before this message_id, which must still be in history.',
  })
  @IsOptional()
  @IsUUID('4', { message: 'before must be the message_id (a UUID v4) of a message in history' })
  before?: string;

  /** Newest first (`desc`, the default) or oldest first (`asc`). */
  @ApiPropertyOptional({ enum: HISTORY_ORDERS, default: 'desc' })
  @IsOptional()
  @IsIn(HISTORY_ORDERS, { message: `order must be one of: ${HISTORY_ORDERS.join(', ')}` })
  order?: HistoryOrder;

  /** `envelope` (the default) or `cloudevents`: the form in which messages are returned. */
  @ApiPropertyOptional({ enum: MESSAGE_FORMATS, default: 'envelope' })
  @IsOptional()
  @IsIn(MESSAGE_FORMATS, { message: INVALID_FORMAT_MESSAGE })
  format?: MessageFormat;
}
