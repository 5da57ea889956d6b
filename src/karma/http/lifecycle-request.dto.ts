import {
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateIf,
} from 'class-validator';
import { LIFECYCLE_EVENTS, type LifecycleEventType } from '../../event-bus/index.js';
import { USER_ID_MESSAGE, USER_ID_PATTERN } from './user-id.js';

const ROLE_MESSAGE = 'must be a string of 1 to 64 characters';

/** Body of `POST /karma/lifecycle`. */
export class LifecycleRequestDto {
  @Matches(USER_ID_PATTERN, { message: USER_ID_MESSAGE })
  user_id!: string;

  @IsIn(LIFECYCLE_EVENTS, { message: `event must be one of: ${LIFECYCLE_EVENTS.join(', ')}` })
  event!: LifecycleEventType;

  /** Required for `role_change`. */
  @ValidateIf(
    (body: LifecycleRequestDto) => body.event === 'role_change' || body.role !== undefined,
  )
  @IsString({ message: `role ${ROLE_MESSAGE} (required for role_change)` })
  @Length(1, 64, { message: `role ${ROLE_MESSAGE} (required for role_change)` })
  role?: string;

  @IsOptional()
  @IsString({ message: `previous_role ${ROLE_MESSAGE}` })
  @Length(1, 64, { message: `previous_role ${ROLE_MESSAGE}` })
  previous_role?: string;

  @IsOptional()
  @IsString({ message: 'reason must be a string of at most 500 characters' })
  @Length(0, 500, { message: 'reason must be a string of at most 500 characters' })
  reason?: string;

  /** When the event happened; the time of the request when absent. */
  @IsOptional()
  @IsISO8601(
    { strict: true, strictSeparator: true },
    { message: 'occurred_at must be an ISO 8601 date-time, such as 2026-12-01T12:00:00Z' },
  )
  occurred_at?: string;
}
