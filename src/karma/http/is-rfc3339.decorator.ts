import { ValidateBy, type ValidationOptions } from 'class-validator';

/** RFC 3339 date-times: `2026-12-01T12:00:00Z`, with optional seconds fraction and offset. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Accepts RFC 3339 date-times that JavaScript's Date parses to a real instant. Stricter than
 * ISO 8601, whose week (`2026-W48-2`) and ordinal (`2026-335`) forms Date cannot parse.
 */
export function IsRfc3339DateTime(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRfc3339DateTime',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && RFC3339.test(value) && !Number.isNaN(Date.parse(value)),
      },
    },
    validationOptions,
  );
}
