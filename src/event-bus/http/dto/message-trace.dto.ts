import { ApiProperty } from '@nestjs/swagger';
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
