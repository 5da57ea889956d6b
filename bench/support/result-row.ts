import { pairedRatios, summarize, type Summary } from './stats.js';

/** Comparison of a ratio with its goal. */
export type GoalComparison = 'at least' | 'at most';

/** A ratio the product must reach, such as "at least 1.5x the reference". */
export interface Goal {
  comparison: GoalComparison;
  ratio: number;
}

/** PASS or MISS against a goal; INFO for rows without one; SKIP for rows that could not run. */
export type Verdict = 'PASS' | 'MISS' | 'INFO' | 'SKIP';

/** One side of a comparison: what was measured and its summary over the rounds. */
export interface MeasuredSide {
  label: string;
  summary: Summary;
}

/** Unit of the numbers of a row. */
export type Unit = 'msg/s' | 'query/s' | 'req/s' | 'ms' | 'MiB' | 'fraction';

/** One line of the results table, sent from a bench group to the runner. */
export interface ResultRow {
  /** The row id of the benchmark issue, such as `P1` or `R3 p99`. */
  id: string;
  /** Short description of the measurement. */
  title: string;
  unit: Unit;
  product: MeasuredSide;
  reference?: MeasuredSide;
  /** Per-round ratios of product to reference; absent on rows without a reference. */
  ratio?: Summary;
  goal?: Goal;
  verdict: Verdict;
  /** Method of the measurement, or the reason the row was skipped. */
  note?: string;
}

/** The message a group process sends to the runner over IPC when it has finished. */
export interface GroupReport {
  group: string;
  rows: ResultRow[];
}

/** Returns the verdict of a ratio against a goal. */
export function judge(ratio: number, goal: Goal | undefined): Verdict {
  if (goal === undefined) {
    return 'INFO';
  }
  const met = goal.comparison === 'at least' ? ratio >= goal.ratio : ratio <= goal.ratio;
  return met ? 'PASS' : 'MISS';
}

/** Options of {@link compareRow}. */
export interface CompareOptions {
  id: string;
  title: string;
  unit: Unit;
  product: { label: string; samples: readonly number[] };
  reference: { label: string; samples: readonly number[] };
  goal?: Goal;
  note?: string;
}

/**
 * Builds a row that compares two members measured in the same rounds. The ratio is taken per
 * round (product divided by reference) and summarised, so drift between rounds cancels out.
 */
export function compareRow(options: CompareOptions): ResultRow {
  const ratio = summarize(pairedRatios(options.product.samples, options.reference.samples));
  return {
    id: options.id,
    title: options.title,
    unit: options.unit,
    product: { label: options.product.label, summary: summarize(options.product.samples) },
    reference: { label: options.reference.label, summary: summarize(options.reference.samples) },
    ratio,
    goal: options.goal,
    verdict: judge(ratio.median, options.goal),
    note: options.note,
  };
}

/** Builds a row for a group that could not run, such as Redis rows without `redis-server`. */
export function skippedRow(id: string, title: string, unit: Unit, reason: string): ResultRow {
  return {
    id,
    title,
    unit,
    product: { label: 'skipped', summary: summarize([]) },
    verdict: 'SKIP',
    note: reason,
  };
}
