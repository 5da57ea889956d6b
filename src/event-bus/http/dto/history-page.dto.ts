import { ApiProperty } from '@nestjs/swagger';
import { CloudEventDto } from './cloud-event.dto.js';
import { EnvelopeDto, EXAMPLE_MESSAGE_ID } from './envelope.dto.js';

const NEXT_CURSOR = {
  type: String,
  nullable: true,
  description:
    'The id of the last item when more messages remain in the order of the page: pass it as ' +
    'before (order=desc) or after (order=asc) for the next page. Null on the last page.',
  example: EXAMPLE_MESSAGE_ID,
};

/** OpenAPI schema of a history page of envelopes. */
export class HistoryPageDto {
  @ApiProperty({ type: [EnvelopeDto] })
  items!: EnvelopeDto[];

  @ApiProperty(NEXT_CURSOR)
  next_cursor!: string | null;
}

/** OpenAPI schema of a history page of CloudEvents (`format=cloudevents`). */
export class CloudEventPageDto {
  @ApiProperty({ type: [CloudEventDto] })
  items!: CloudEventDto[];

  @ApiProperty(NEXT_CURSOR)
  next_cursor!: string | null;
}
