import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import {
  INVALID_FORMAT_MESSAGE,
  MESSAGE_FORMATS,
  type MessageFormat,
} from '../../cloudevents/message-format.js';

/** Query string of `GET /events/:message_id` and `GET /events/:message_id/trace`. */
export class MessageFormatQueryDto {
  /** `envelope` (the default) or `cloudevents`: the form in which messages are returned. */
  @ApiPropertyOptional({ enum: MESSAGE_FORMATS, default: 'envelope' })
  @IsOptional()
  @IsIn(MESSAGE_FORMATS, { message: INVALID_FORMAT_MESSAGE })
  format?: MessageFormat;
}
