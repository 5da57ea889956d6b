import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { LIFECYCLE_EVENTS, type LifecycleEventType } from '../../event-bus/index.js';
import { IsRfc3339DateTime } from './is-rfc3339.decorator.js';
import { USER_ID_MESSAGE, USER_ID_PATTERN } from './user-id.js';

const ROLE_MESSAGE = 'must be a string of 1 to 64 characters';

/** Body of `POST /karma/lifecycle`. */
export class LifecycleRequestDto {
  @Matches(USER_ID_PATTERN, { message: USER_ID_MESSAGE })
  @ApiProperty({ pattern: USER_ID_PATTERN.source, example: 'user-42' })
  user_id!: string;

  @IsIn(LIFECYCLE_EVENTS, { message: `event must be one of: ${LIFECYCLE_EVENTS.join(', ')}` })
  @ApiProperty({ enum: LIFECYCLE_EVENTS, example: 'role_change' })
  event!: LifecycleEventType;

  /** Required for `role_change`. */
  @ValidateIf(
    (body: LifecycleRequestDto) => body.event === 'role_change' || body.role !== undefined,
  )
  @IsString({ message: `role ${ROLE_MESSAGE} (required for role_change)` })
  @Length(1, 64, { message: `role ${ROLE_MESSAGE} (required for role_change)` })
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 64,
    description: 'Required for role_change.',
    example: 'moderator',
  })
  role?: string;

  @IsOptional()
  @IsString({ message: `previous_role ${ROLE_MESSAGE}` })
  @Length(1, 64, { message: `previous_role ${ROLE_MESSAGE}` })
  @ApiPropertyOptional({ minLength: 1, maxLength: 64, example: 'member' })
  previous_role?: string;

  @IsOptional()
  @IsString({ message: 'reason must be a string of at most 500 characters' })
  @Length(0, 500, { message: 'reason must be a string of at most 500 characters' })
  @ApiPropertyOptional({ maxLength: 500, example: 'elected' })
  reason?: string;

  /** When the event happened; the time of the request when absent. */
  @ValidateIf((body: LifecycleRequestDto) => body.occurred_at !== undefined)
  @IsRfc3339DateTime({
    message: 'occurred_at must be an RFC 3339 date-time, such as 2026-12-01T12:00:00Z',
  })
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'When the event happened; the time of the request when absent.',
    example: '2026-12-02T08:30:00Z',
  })
  occurred_at?: string;
}
