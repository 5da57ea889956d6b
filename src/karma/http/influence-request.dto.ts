import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsNumber,
  IsOptional,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { ACTION_WEIGHTS, type ActionType } from '../feedback/influence.model.js';
import { IsRfc3339DateTime } from './is-rfc3339.decorator.js';
import { USER_ID_MESSAGE, USER_ID_PATTERN } from './user-id.js';

const ACTION_TYPES = Object.keys(ACTION_WEIGHTS) as ActionType[];

/** Most actions one influence request may carry. */
export const MAX_ACTIONS_PER_REQUEST = 1000;

/** One action in an influence request. */
export class KarmaActionDto {
  @IsIn(ACTION_TYPES, { message: `type must be one of: ${ACTION_TYPES.join(', ')}` })
  @ApiProperty({ enum: ACTION_TYPES, example: 'help' })
  type!: ActionType;

  @IsRfc3339DateTime({
    message: 'occurred_at must be an RFC 3339 date-time, such as 2026-12-01T12:00:00Z',
  })
  @ApiProperty({ format: 'date-time', example: '2026-11-30T10:00:00Z' })
  occurred_at!: string;

  @IsOptional()
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'magnitude must be a number from 0 to 10' },
  )
  @Min(0, { message: 'magnitude must be a number from 0 to 10' })
  @Max(10, { message: 'magnitude must be a number from 0 to 10' })
  @ApiPropertyOptional({ minimum: 0, maximum: 10, default: 1, example: 2 })
  magnitude?: number;
}

/** Body of `POST /karma/influence`. */
export class InfluenceRequestDto {
  @Matches(USER_ID_PATTERN, { message: USER_ID_MESSAGE })
  @ApiProperty({ pattern: USER_ID_PATTERN.source, example: 'user-42' })
  user_id!: string;

  // class-validator runs these checks bottom-up and stops at the first failure, so the type
  // check comes last in source order.
  @ValidateNested({ each: true, message: 'each item of actions must be an action object' })
  @Type(() => KarmaActionDto)
  @ArrayMaxSize(MAX_ACTIONS_PER_REQUEST, {
    message: `actions must contain at most ${MAX_ACTIONS_PER_REQUEST} items`,
  })
  @IsArray({ message: 'actions must be an array of actions' })
  @ApiProperty({ type: [KarmaActionDto], maxItems: MAX_ACTIONS_PER_REQUEST })
  actions!: KarmaActionDto[];

  /** The instant decay is measured at; the time of the request when absent. */
  @ValidateIf((body: InfluenceRequestDto) => body.as_of !== undefined)
  @IsRfc3339DateTime({
    message: 'as_of must be an RFC 3339 date-time, such as 2026-12-01T12:00:00Z',
  })
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'The instant decay is measured at; the time of the request when absent.',
    example: '2026-12-01T12:00:00Z',
  })
  as_of?: string;
}
