/**
 * Converts a query string of decimal digits to a number and leaves anything else unchanged, so
 * that `2.5`, `1e3`, ` 3`, `0x10` and repeated parameters fail the integer check instead of
 * being coerced.
 */
export function toStrictInteger(value: unknown): unknown {
  if (typeof value === 'string' && /^-?\d{1,15}$/.test(value)) {
    return Number(value);
  }
  return value;
}
