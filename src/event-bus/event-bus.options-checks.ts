/**
 * Returns an integer option, or its default when absent.
 * @throws RangeError naming the option, the value and the allowed range
 */
export function optionalInteger(
  name: string,
  value: number | undefined,
  fallback: number,
  minimum: number,
): number {
  if (value === undefined) {
    return fallback;
  }
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new RangeError(
      `Invalid event bus option ${name}=${JSON.stringify(value)}; ` +
        `allowed: an integer of at least ${minimum}.`,
    );
  }
  return value;
}
