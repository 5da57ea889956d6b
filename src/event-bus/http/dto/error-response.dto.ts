import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OpenAPI schema of the bus's error responses. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({
    description:
      'What is wrong: a list with one entry per invalid field when a body or query string fails ' +
      'validation, otherwise one string.',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['limit must be an integer from 1 to 1000'],
  })
  message!: string | string[];

  @ApiPropertyOptional({ description: 'The field at fault, on 400 responses.', example: 'limit' })
  field?: string;
}
