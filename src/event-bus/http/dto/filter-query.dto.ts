import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, Validate } from 'class-validator';
import type { MessageFilter } from '../../filtering/message-filter.interface.js';
import { FieldEqualityMapConstraint } from './field-equality-map.constraint.js';

/** Filter parameters shared by `GET /events/history` and `GET /events/stream`. */
export class FilterQueryDto {
  /** Channel names or patterns, comma-separated or repeated, such as `karma.*`. */
  @ApiPropertyOptional({
    type: [String],
    maxItems: 50,
    description:
      'Channel names or patterns in which * stands for one segment, comma-separated or repeated.',
    example: ['karma.*'],
  })
  @IsOptional()
  @IsArray({ message: 'channels must be a comma-separated list of channel names or patterns' })
  @ArrayMaxSize(50, { message: 'channels must list at most 50 names or patterns' })
  @IsString({ each: true, message: 'channels must list channel names or patterns' })
  channels?: string[];

  /** Payload fields and the values they must equal, from `payload.<field>=<value>`. */
  @IsOptional()
  @Validate(FieldEqualityMapConstraint)
  payload?: [string, string][];

  /** Metadata fields and the values they must equal, from `metadata.<field>=<value>`. */
  @IsOptional()
  @Validate(FieldEqualityMapConstraint)
  metadata?: [string, string][];
}

/** Converts the filter parameters of a query to a MessageFilter. */
export function toMessageFilter(query: FilterQueryDto): MessageFilter {
  return {
    channels: query.channels,
    payload: toFieldMap(query.payload),
    metadata: toFieldMap(query.metadata),
  };
}

/** Builds a map without a prototype, so any field name is an ordinary key. */
function toFieldMap(pairs: [string, string][] | undefined): Record<string, string> | undefined {
  if (pairs === undefined) {
    return undefined;
  }
  const map = Object.create(null) as Record<string, string>;
  for (const [field, value] of pairs) {
    map[field] = value;
  }
  return map;
}
