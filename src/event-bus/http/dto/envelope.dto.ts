import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Sample values shared by the OpenAPI examples of the bus's routes. */
export const EXAMPLE_MESSAGE_ID = '4bbef982-6a87-4afd-9f88-5e18d6b26cc8';
export const EXAMPLE_TIMESTAMP = '2026-12-04T20:26:07.288Z';
const EXAMPLE_PAYLOAD = {
  user_id: 'user-42',
  event: 'role_change',
  role: 'moderator',
  previous_role: 'member',
  reason: 'elected',
  occurred_at: '2026-12-02T08:30:00.000Z',
};

/** OpenAPI schema of an envelope's metadata. */
export class EnvelopeMetadataDto {
  @ApiPropertyOptional({
    description: 'The component that published the message.',
    example: 'karma-lifecycle',
    minLength: 1,
    maxLength: 128,
  })
  source?: string;

  @ApiPropertyOptional({
    description: 'An id shared by every message of one business flow.',
    example: 'req-7',
    minLength: 1,
    maxLength: 128,
  })
  correlation_id?: string;

  @ApiPropertyOptional({
    description: 'The message_id of the message whose handling caused this one.',
    format: 'uuid',
    example: '08d3e400-0cea-4fa2-9c07-cca8d2c8c21b',
  })
  causation_id?: string;
}

/** OpenAPI schema of a published message. */
export class EnvelopeDto {
  @ApiProperty({ description: 'A random UUID v4.', format: 'uuid', example: EXAMPLE_MESSAGE_ID })
  message_id!: string;

  @ApiProperty({ description: 'The channel.', example: 'karma.lifecycle' })
  channel!: string;

  @ApiProperty({
    description:
      "The channel's content, valid against the channel's schema; GET /events/asyncapi.json " +
      'has the schema of each channel.',
    example: EXAMPLE_PAYLOAD,
  })
  payload!: unknown;

  @ApiProperty({
    description: 'The publish time in ISO 8601 UTC with milliseconds.',
    format: 'date-time',
    example: EXAMPLE_TIMESTAMP,
  })
  timestamp!: string;

  @ApiPropertyOptional({
    description: 'Context of the message; other keys may carry any JSON value.',
    type: EnvelopeMetadataDto,
  })
  metadata?: EnvelopeMetadataDto;
}
