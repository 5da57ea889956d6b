/** The error a delivery fails with when its handler does not settle in time. */
export class HandlerTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Handler did not settle within ${timeoutMs} ms`);
    this.name = 'HandlerTimeoutError';
  }
}

/**
 * Settles like `result`, or rejects with HandlerTimeoutError after `timeoutMs`, whichever comes
 * first. The handler is not cancelled: its late outcome is ignored.
 */
export function settleWithin<T>(result: PromiseLike<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new HandlerTimeoutError(timeoutMs)), timeoutMs);
    result.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Returns true for promises and other objects with a `then` method. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
