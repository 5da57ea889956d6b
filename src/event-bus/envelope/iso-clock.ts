/**
 * Returns the current time as an ISO 8601 UTC string with milliseconds.
 *
 * `Date#toISOString` costs more than the rest of a publish, so the string is reused for every
 * call within the same millisecond; the output is identical to `new Date().toISOString()`.
 */
export class IsoClock {
  private lastMs = Number.NaN;
  private lastIso = '';

  now(): string {
    const ms = Date.now();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = new Date(ms).toISOString();
    }
    return this.lastIso;
  }
}
