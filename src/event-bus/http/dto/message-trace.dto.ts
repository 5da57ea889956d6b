import { ApiProperty } from '@nestjs/swagger';
import { CloudEventDto } from './cloud-event.dto.js';
import { EnvelopeDto } from './envelope.dto.js';

/** OpenAPI schema of a message and, recursively, the messages it caused. */
export class MessageTraceDto {
  @ApiProperty({ type: EnvelopeDto })
  message!: EnvelopeDto;

  @ApiProperty({
    type: () => [MessageTraceDto],
    description: 'Messages whose metadata.causation_id is this message_id, still in history.',
  })
  caused!: MessageTraceDto[];
}

/** OpenAPI schema of a trace with `format=cloudevents`: each message is a CloudEvent. */
export class CloudEventTraceDto {
  @ApiProperty({ type: CloudEventDto })
  message!: CloudEventDto;

  @ApiProperty({
    type: () => [CloudEventTraceDto],
    description: 'Messages whose causationid is this message id, still in history.',
  })
  caused!: CloudEventTraceDto[];
}
