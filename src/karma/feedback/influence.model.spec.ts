import {
  ACTION_WEIGHTS,
  computeInfluence,
  HALF_LIFE_DAYS,
  type ActionType,
  type KarmaAction,
} from './influence.model.js';

const AS_OF = new Date('2026-12-01T12:00:00.000Z');
const MS_PER_DAY = 86_400_000;

function daysBefore(days: number): Date {
  return new Date(AS_OF.getTime() - days * MS_PER_DAY);
}

function action(type: ActionType, ageDays = 0, magnitude?: number): KarmaAction {
  return { type, occurredAt: daysBefore(ageDays), magnitude };
}

/**
 * Builds one action now whose decayed sum is `10 x atanh(influence)`, so the model's
 * `tanh(sum / 10)` lands on `influence` before rounding.
 */
function actionForInfluence(influence: number): KarmaAction {
  const sum = 10 * Math.atanh(influence);
  return sum >= 0
    ? action('share', 0, sum / ACTION_WEIGHTS.share)
    : action('report', 0, sum / ACTION_WEIGHTS.report);
}

describe('computeInfluence()', () => {
  describe('when computed by hand', () => {
    // Each expected value follows the documented steps. Sum the decayed weights, take
    // tanh(sum / 10) rounded to 4 decimals, then take 50 x (1 + influence) rounded to 2 decimals.

    it('gives neutral for no actions', () => {
      expect(computeInfluence([], AS_OF)).toEqual({
        score: 50,
        influence: 0,
        signal: 'neutral',
        band: 'neutral',
        actionCount: 0,
      });
    });

    it('scores one help now', () => {
      // sum = 3, tanh(0.3) = 0.29131..., score = 50 x 1.2913 = 64.565, rounded half up.
      expect(computeInfluence([action('help')], AS_OF)).toEqual({
        score: 64.57,
        influence: 0.2913,
        signal: 'positive',
        band: 'high',
        actionCount: 1,
      });
    });

    it('scores a mix of ages', () => {
      // sum = 3 + 3 + 2 x 0.5 = 7, tanh(0.7) = 0.60436..., score = 50 x 1.6044 = 80.22.
      const actions = [action('help'), action('help'), action('create', 7)];

      expect(computeInfluence(actions, AS_OF)).toEqual({
        score: 80.22,
        influence: 0.6044,
        signal: 'positive',
        band: 'very_high',
        actionCount: 3,
      });
    });

    it('scores a decayed harm', () => {
      // sum = -4 x 2 x 0.25 = -2, tanh(-0.2) = -0.19737..., score = 50 x 0.8026 = 40.13.
      expect(computeInfluence([action('harm', 14, 2)], AS_OF)).toEqual({
        score: 40.13,
        influence: -0.1974,
        signal: 'negative',
        band: 'neutral',
        actionCount: 1,
      });
    });

    it('cancels opposite actions', () => {
      // sum = 3 - 3 + 0.5 x 0 = 0.
      const result = computeInfluence(
        [action('help'), action('spam'), action('vote', 0, 0)],
        AS_OF,
      );

      expect(result).toEqual({
        score: 50,
        influence: 0,
        signal: 'neutral',
        band: 'neutral',
        actionCount: 3,
      });
    });

    it('saturates at the bounds', () => {
      const many = Array.from({ length: 10 }, () => action('help', 0, 10));
      const harms = Array.from({ length: 10 }, () => action('harm', 0, 10));

      expect(computeInfluence(many, AS_OF)).toMatchObject({
        score: 100,
        influence: 1,
        band: 'very_high',
      });
      expect(computeInfluence(harms, AS_OF)).toMatchObject({
        score: 0,
        influence: -1,
        band: 'very_low',
      });
    });

    it('turns -0 into 0', () => {
      // sum = -2 x 1e-9, so tanh rounds to -0 before the model normalises it.
      const result = computeInfluence([action('report', 0, 1e-9)], AS_OF);

      expect(Object.is(result.influence, 0)).toBe(true);
      expect(result.score).toBe(50);
    });
  });

  describe('when actions decay', () => {
    it('halves weight every half-life', () => {
      // With create at magnitude 10, the sum is 20, 10 and 5 at ages 0, 7 and 14 days.
      const scores = [0, 1, 2].map((halfLives) =>
        computeInfluence([action('create', halfLives * HALF_LIFE_DAYS, 10)], AS_OF),
      );

      expect(HALF_LIFE_DAYS).toBe(7);
      expect(scores.map((result) => result.influence)).toEqual([0.964, 0.7616, 0.4621]);
      expect(scores.map((result) => result.score)).toEqual([98.2, 88.08, 73.11]);
    });

    it('matches half magnitude after 7 days', () => {
      const aged = computeInfluence([action('share', 7, 10)], AS_OF);
      const halved = computeInfluence([action('share', 0, 5)], AS_OF);

      expect(aged).toEqual(halved);
    });

    it('decays continuously within a half-life', () => {
      // 0.5 ^ (3.5 / 7) = 0.70711, so sum = 2 x 10 x 0.70711 = 14.142, tanh(1.4142) = 0.88838.
      expect(computeInfluence([action('create', 3.5, 10)], AS_OF).influence).toBe(0.8884);
    });
  });

  describe('when actions are in the future', () => {
    it('counts them at age 0', () => {
      const future = computeInfluence([action('create', -3)], AS_OF);
      const now = computeInfluence([action('create')], AS_OF);

      // sum = 2, tanh(0.2) = 0.19737..., score = 50 x 1.1974 = 59.87.
      expect(future).toEqual({
        score: 59.87,
        influence: 0.1974,
        signal: 'positive',
        band: 'neutral',
        actionCount: 1,
      });
      expect(future).toEqual(now);
    });
  });

  describe('when scores meet band cuts', () => {
    it.each([
      [-0.6002, 19.99, 'very_low'],
      [-0.6, 20, 'low'],
      [-0.2002, 39.99, 'low'],
      [-0.2, 40, 'neutral'],
      [0.1998, 59.99, 'neutral'],
      [0.2, 60, 'high'],
      [0.5998, 79.99, 'high'],
      [0.6, 80, 'very_high'],
    ])('maps influence %p to %p %s', (influence, score, band) => {
      const result = computeInfluence([actionForInfluence(influence)], AS_OF);

      expect(result.influence).toBe(influence);
      expect(result.score).toBe(score);
      expect(result.band).toBe(band);
    });
  });

  describe('when influence meets signal cuts', () => {
    it.each([
      [-0.0501, 'negative'],
      [-0.05, 'neutral'],
      [0.05, 'neutral'],
      [0.0501, 'positive'],
    ])('maps influence %p to %s', (influence, signal) => {
      const result = computeInfluence([actionForInfluence(influence)], AS_OF);

      expect(result.influence).toBe(influence);
      expect(result.signal).toBe(signal);
    });
  });
});
