import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { retryDelayMs } from './retry-backoff.js';

describe('retryDelayMs', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  function delaysWithRandom(random: number, baseMs: number, maxMs: number): number[] {
    jest.spyOn(Math, 'random').mockReturnValue(random);
    return [1, 2, 3, 4, 5].map((deliveries) => retryDelayMs(deliveries, baseMs, maxMs));
  }

  it('doubles from half the base', () => {
    expect(delaysWithRandom(0, 100, 10_000)).toEqual([50, 100, 200, 400, 800]);
  });

  it('jitter reaches the full delay', () => {
    expect(delaysWithRandom(0.999_999, 100, 10_000)).toEqual([100, 200, 400, 800, 1600]);
  });

  it('caps at maxMs', () => {
    expect(delaysWithRandom(0.999_999, 100, 300)).toEqual([100, 200, 300, 300, 300]);
    expect(delaysWithRandom(0, 100, 300)).toEqual([50, 100, 150, 150, 150]);
  });

  it('stays finite for many deliveries', () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.5);

    expect(retryDelayMs(10_000, 100, 5_000)).toBe(3750);
  });
});
