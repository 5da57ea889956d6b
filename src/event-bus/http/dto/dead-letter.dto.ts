import { ApiProperty } from '@nestjs/swagger';
import { EnvelopeDto } from './envelope.dto.js';

/** OpenAPI schema of a message that a consumer-group listener failed to handle. */
export class DeadLetterDto {
  @ApiProperty({ description: 'Id used to page and to republish.', example: '1700000000000-0' })
  dead_letter_id!: string;

  @ApiProperty({ type: EnvelopeDto })
  envelope!: EnvelopeDto;

  @ApiProperty({ description: 'The last error message of the listener.', example: 'timeout' })
  error!: string;

  @ApiProperty({ example: 'KarmaAnalyticsListener.onFeedback' })
  listener!: string;

  @ApiProperty({ type: String, nullable: true, example: 'karma-analytics' })
  group!: string | null;

  @ApiProperty({ description: 'Deliveries made before the message was set aside.', example: 5 })
  attempts!: number;

  @ApiProperty({ format: 'date-time', example: '2026-12-04T20:30:00.000Z' })
  failed_at!: string;
}

/** OpenAPI schema of `GET /events/dead-letters`. */
export class DeadLetterPageDto {
  @ApiProperty({ type: [DeadLetterDto] })
  items!: DeadLetterDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass it as before for the next page; null on the last page.',
    example: null,
  })
  next_cursor!: string | null;
}
