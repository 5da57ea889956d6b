import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EXAMPLE_MESSAGE_ID, EXAMPLE_TIMESTAMP } from './envelope.dto.js';

/** OpenAPI schema of a message as a CloudEvents 1.0 JSON event (`format=cloudevents`). */
export class CloudEventDto {
  @ApiProperty({ enum: ['1.0'], example: '1.0' })
  specversion!: string;

  @ApiProperty({ description: 'The message_id.', format: 'uuid', example: EXAMPLE_MESSAGE_ID })
  id!: string;

  @ApiProperty({
    description: 'metadata.source, or urn:karma-event-bus when the message has none.',
    example: 'karma-lifecycle',
  })
  source!: string;

  @ApiProperty({ description: 'The channel.', example: 'karma.lifecycle' })
  type!: string;

  @ApiProperty({ description: 'The timestamp.', format: 'date-time', example: EXAMPLE_TIMESTAMP })
  time!: string;

  @ApiProperty({ enum: ['application/json'], example: 'application/json' })
  datacontenttype!: string;

  @ApiProperty({
    description: 'The payload.',
    example: { user_id: 'user-42', event: 'birth', occurred_at: '2026-12-02T08:30:00.000Z' },
  })
  data!: unknown;

  @ApiPropertyOptional({ description: 'metadata.correlation_id.', example: 'req-7' })
  correlationid?: string;

  @ApiPropertyOptional({ description: 'metadata.causation_id.', format: 'uuid' })
  causationid?: string;

  @ApiPropertyOptional({
    description:
      'The metadata keys that have no attribute of their own, as a JSON object in a string.',
    example: '{"tenant":"t-1"}',
  })
  busmetadata?: string;
}
