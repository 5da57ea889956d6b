import { IsOptional, IsString, MaxLength } from 'class-validator';
import { FilterQueryDto } from './filter-query.dto.js';

/** Query string of `GET /events/stream`. */
export class StreamQueryDto extends FilterQueryDto {
  /**
   * Resume position for the first request, as the `Last-Event-ID` header gives it on reconnects.
   * Any text is accepted: one that is not a message id in history yields a `gap` event.
   */
  @IsOptional()
  @IsString({ message: 'last_event_id must be the id of the last event received' })
  @MaxLength(200, { message: 'last_event_id must be at most 200 characters' })
  last_event_id?: string;

  /** API key, for browsers whose EventSource cannot send headers; prefer the headers. */
  @IsOptional()
  @IsString({ message: 'api_key must be an API key' })
  @MaxLength(512, { message: 'api_key must be at most 512 characters' })
  api_key?: string;
}
