import { ApiProperty } from '@nestjs/swagger';
import { INFLUENCE_SIGNALS, KARMA_BANDS, LIFECYCLE_EVENTS } from '../../event-bus/index.js';

/** OpenAPI schema of `POST /karma/influence`: the influence computed and its message. */
export class InfluenceReportDto {
  @ApiProperty({ example: 'user-42' })
  user_id!: string;

  @ApiProperty({ minimum: 0, maximum: 100, description: '50 is neutral.', example: 70.3 })
  score!: number;

  @ApiProperty({ minimum: -1, maximum: 1, example: 0.4059 })
  influence!: number;

  @ApiProperty({ enum: INFLUENCE_SIGNALS, example: 'positive' })
  signal!: string;

  @ApiProperty({ enum: KARMA_BANDS, example: 'high' })
  band!: string;

  @ApiProperty({ type: 'integer', minimum: 0, example: 3 })
  action_count!: number;

  @ApiProperty({ format: 'date-time', example: '2026-12-01T12:00:00.000Z' })
  as_of!: string;

  @ApiProperty({
    format: 'uuid',
    description: 'The karma.feedback message that carries this result.',
    example: '08d3e400-0cea-4fa2-9c07-cca8d2c8c21b',
  })
  message_id!: string;
}

/** OpenAPI schema of `GET /karma/scores/{user_id}`. */
export class ScoreboardEntryDto {
  @ApiProperty({ example: 'user-42' })
  user_id!: string;

  @ApiProperty({ example: 70.3 })
  score!: number;

  @ApiProperty({ enum: KARMA_BANDS, example: 'high' })
  band!: string;

  @ApiProperty({ format: 'uuid', example: '08d3e400-0cea-4fa2-9c07-cca8d2c8c21b' })
  message_id!: string;

  @ApiProperty({
    type: 'integer',
    description: 'karma.feedback messages this instance received for the user.',
    example: 1,
  })
  updates!: number;
}

/** OpenAPI schema of the analytics totals. */
export class AnalyticsTotalsDto {
  @ApiProperty({ type: 'integer', example: 1 })
  feedback_count!: number;

  @ApiProperty({ type: 'integer', example: 1 })
  lifecycle_count!: number;

  @ApiProperty({ type: 'integer', example: 1 })
  users_seen!: number;

  @ApiProperty({ type: Number, nullable: true, example: 70.3 })
  average_score!: number | null;

  @ApiProperty({
    type: 'object',
    description: `Feedback messages per band: ${KARMA_BANDS.join(', ')}.`,
    additionalProperties: { type: 'integer' },
    example: { very_low: 0, low: 0, neutral: 0, high: 1, very_high: 0 },
  })
  by_band!: Record<string, number>;

  @ApiProperty({
    type: 'object',
    description: `Lifecycle messages per event: ${LIFECYCLE_EVENTS.join(', ')}.`,
    additionalProperties: { type: 'integer' },
    example: {
      birth: 0,
      death: 0,
      rebirth: 0,
      role_change: 1,
      suspension: 0,
      reinstatement: 0,
    },
  })
  by_lifecycle_event!: Record<string, number>;

  @ApiProperty({ format: 'uuid', example: '4bbef982-6a87-4afd-9f88-5e18d6b26cc8' })
  trigger_message_id!: string;
}

/** OpenAPI schema of `GET /karma/analytics`. */
export class AnalyticsResponseDto {
  @ApiProperty({
    type: AnalyticsTotalsDto,
    nullable: true,
    description: 'Null before the first feedback or lifecycle message.',
  })
  totals!: AnalyticsTotalsDto | null;
}
