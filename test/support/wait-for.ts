import { setTimeout as sleep } from 'node:timers/promises';

/** Interval between two checks of a condition. */
const POLL_INTERVAL_MS = 10;

/**
 * Polls a condition until it holds, and fails with `description` once `timeoutMs` has passed.
 * @param predicate checked at once, then every 10 ms; it may be async
 * @param timeoutMs deadline for the whole wait
 * @param description what was awaited, for the failure message
 */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  description = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}`);
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

/** Resolves with the milliseconds a promise took to settle, and rethrows its rejection. */
export async function elapsedMs(operation: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await operation();
  return performance.now() - start;
}
