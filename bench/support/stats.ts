/** The median and the range of a set of samples. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

/**
 * Returns the `q` quantile (0 to 1) of samples sorted in ascending order, interpolating linearly
 * between the two nearest ranks.
 */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

/** Returns the `q` quantile (0 to 1) of unsorted samples. */
export function quantile(samples: readonly number[], q: number): number {
  return quantileOfSorted(
    [...samples].sort((a, b) => a - b),
    q,
  );
}

/** Summarises samples as their median, minimum and maximum. */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    median: quantileOfSorted(sorted, 0.5),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    samples: [...samples],
  };
}

/** Divides paired samples (the same round of two members) one by one. */
export function pairedRatios(numerators: readonly number[], denominators: readonly number[]) {
  if (numerators.length !== denominators.length) {
    throw new Error(
      `Cannot pair ${numerators.length} samples with ${denominators.length}; every member must run in every round`,
    );
  }
  return numerators.map((value, index) => value / denominators[index]);
}
