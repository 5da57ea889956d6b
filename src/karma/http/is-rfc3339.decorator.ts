import { ValidateBy, type ValidationOptions } from 'class-validator';

/** RFC 3339 date-times: `2026-12-01T12:00:00Z`, with optional seconds fraction and offset. */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Accepts RFC 3339 date-times that name a real calendar instant. Stricter than ISO 8601, whose
 * week (`2026-W48-2`) and ordinal (`2026-335`) forms Date cannot parse, and stricter than Date,
 * which rolls `2026-02-30` over to March.
 */
export function IsRfc3339DateTime(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRfc3339DateTime',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isRealDateTime(value),
      },
    },
    validationOptions,
  );
}

function isRealDateTime(value: string): boolean {
  const match = RFC3339.exec(value);
  if (match === null) {
    return false;
  }
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const offsetHour = match[9] === undefined ? 0 : Number(match[9]);
  const offsetMinute = match[10] === undefined ? 0 : Number(match[10]);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHour <= 23 &&
    offsetMinute <= 59
  );
}
