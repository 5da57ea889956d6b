import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import {
  INVALID_FORMAT_MESSAGE,
  MESSAGE_FORMATS,
  type MessageFormat,
} from '../../cloudevents/message-format.js';
import { FilterQueryDto } from './filter-query.dto.js';

/** Query string of `GET /events/stream`. */
export class StreamQueryDto extends FilterQueryDto {
  /**
   * Resume position for the first request, as the `Last-Event-ID` header gives it on reconnects.
   * Any text is accepted: one that is not a message id in history yields a `gap` event.
   */
  @ApiPropertyOptional({
    maxLength: 200,
    description:
      'Resume after this message_id on a first request; reconnects send the Last-Event-ID ' +
      'header instead. An id no longer in history starts the stream with a gap event.',
  })
  @IsOptional()
  @IsString({ message: 'last_event_id must be the id of the last event received' })
  @MaxLength(200, { message: 'last_event_id must be at most 200 characters' })
  last_event_id?: string;

  /** API key, for browsers whose EventSource cannot send headers; prefer the headers. */
  @ApiPropertyOptional({
    maxLength: 512,
    description: 'API key, for browsers whose EventSource cannot send headers.',
  })
  @IsOptional()
  @IsString({ message: 'api_key must be an API key' })
  @MaxLength(512, { message: 'api_key must be at most 512 characters' })
  api_key?: string;

  /** `envelope` (the default) or `cloudevents`: the form in which messages are returned. */
  @ApiPropertyOptional({ enum: MESSAGE_FORMATS, default: 'envelope' })
  @IsOptional()
  @IsIn(MESSAGE_FORMATS, { message: INVALID_FORMAT_MESSAGE })
  format?: MessageFormat;
}
