import type { InfluenceSignal, KarmaBand } from '../../event-bus/index.js';

/** Kinds of action a user takes, each with a base weight in karma points. */
export const ACTION_WEIGHTS = {
  help: 3,
  create: 2,
  share: 1,
  vote: 0.5,
  report: -2,
  spam: -3,
  harm: -4,
} as const;

/** A kind of action. */
export type ActionType = keyof typeof ACTION_WEIGHTS;

/** One action that enters the influence computation. */
export interface KarmaAction {
  type: ActionType;
  /** When the action happened. */
  occurredAt: Date;
  /** Multiplier of the base weight, from 0 to 10. @default 1 */
  magnitude?: number;
}

/** The outcome of one influence computation. */
export interface InfluenceResult {
  score: number;
  influence: number;
  signal: InfluenceSignal;
  band: KarmaBand;
  actionCount: number;
}

/** Days after which an action counts half as much. */
export const HALF_LIFE_DAYS = 7;

/** Decayed points at which influence reaches tanh(1), about 0.76. */
export const INFLUENCE_SCALE = 10;

/** Influence beyond which the signal is positive or negative rather than neutral. */
export const SIGNAL_THRESHOLD = 0.05;

const MS_PER_DAY = 86_400_000;

/**
 * Computes a user's karmic influence from recent actions; the model is deterministic.
 *
 * 1. Each action contributes `weight(type) x magnitude x 0.5 ^ (ageDays / 7)`, where the age is
 *    measured at `asOf` and actions in the future count as age 0.
 * 2. `influence = tanh(sum / 10)`, in (-1, 1), rounded to 4 decimals.
 * 3. `score = 50 x (1 + influence)`, in (0, 100), rounded to 2 decimals.
 * 4. The band cuts the score at 20, 40, 60 and 80; the signal is positive above +0.05 influence,
 *    negative below -0.05 and neutral between.
 */
export function computeInfluence(actions: readonly KarmaAction[], asOf: Date): InfluenceResult {
  let sum = 0;
  for (const action of actions) {
    const ageDays = Math.max(0, (asOf.getTime() - action.occurredAt.getTime()) / MS_PER_DAY);
    const decay = Math.pow(0.5, ageDays / HALF_LIFE_DAYS);
    sum += ACTION_WEIGHTS[action.type] * (action.magnitude ?? 1) * decay;
  }

  const influence = round(Math.tanh(sum / INFLUENCE_SCALE), 4);
  const score = round(50 * (1 + influence), 2);
  return {
    score,
    influence,
    signal: signalOf(influence),
    band: bandOf(score),
    actionCount: actions.length,
  };
}

function signalOf(influence: number): InfluenceSignal {
  if (influence > SIGNAL_THRESHOLD) {
    return 'positive';
  }
  return influence < -SIGNAL_THRESHOLD ? 'negative' : 'neutral';
}

function bandOf(score: number): KarmaBand {
  if (score < 20) {
    return 'very_low';
  }
  if (score < 40) {
    return 'low';
  }
  if (score < 60) {
    return 'neutral';
  }
  return score < 80 ? 'high' : 'very_high';
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  // Adding 0 turns -0 into 0, so a neutral result serialises as 0.
  return Math.round(value * factor) / factor + 0;
}
