/**
 * Delay before retrying a message after its `deliveries`-th failed delivery: exponential from
 * `baseMs`, capped at `maxMs`, with full jitter over the upper half so that instances retrying
 * the same burst spread out.
 */
export function retryDelayMs(deliveries: number, baseMs: number, maxMs: number): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.min(deliveries - 1, 20));
  return Math.round(exponential / 2 + Math.random() * (exponential / 2));
}
