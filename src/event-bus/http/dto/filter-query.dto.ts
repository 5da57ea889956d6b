import { ArrayMaxSize, IsArray, IsOptional, IsString, Validate } from 'class-validator';
import { FieldEqualityMapConstraint } from './field-equality-map.constraint.js';

/** Filter parameters shared by `GET /events/history` and `GET /events/stream`. */
export class FilterQueryDto {
  /** Channel names or patterns, comma-separated or repeated, such as `karma.*`. */
  @IsOptional()
  @IsArray({ message: 'channels must be a comma-separated list of channel names or patterns' })
  @ArrayMaxSize(50, { message: 'channels must list at most 50 names or patterns' })
  @IsString({ each: true, message: 'channels must list channel names or patterns' })
  channels?: string[];

  /** Payload fields that must equal the given values, from `payload.<field>=<value>`. */
  @IsOptional()
  @Validate(FieldEqualityMapConstraint)
  payload?: Record<string, string>;

  /** Metadata fields that must equal the given values, from `metadata.<field>=<value>`. */
  @IsOptional()
  @Validate(FieldEqualityMapConstraint)
  metadata?: Record<string, string>;
}
