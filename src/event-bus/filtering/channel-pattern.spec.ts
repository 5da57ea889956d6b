import { describe, expect, it } from '@jest/globals';
import { InvalidFilterException } from '../exceptions/invalid-filter.exception.js';
import { expandChannels, isChannelPattern, matchesChannelPattern } from './channel-pattern.js';

/** Registered channels, in registration order. */
const REGISTERED = [
  'karma.feedback',
  'karma.lifecycle',
  'karma.analytics',
  'orders.created',
  'orders.line.added',
];

/** Returns what a call throws, or fails the test when it returns. */
function thrownBy(call: () => unknown): InvalidFilterException {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidFilterException);
  return thrown as InvalidFilterException;
}

describe('channel-pattern', () => {
  describe('isChannelPattern()', () => {
    it.each([
      ['karma.*', true],
      ['*.feedback', true],
      ['*', true],
      ['orders.*.added', true],
      ['karma.feedback', false],
      ['karma.feed*', false],
      ['karma', false],
    ])('classifies %p as %p', (text, expected) => {
      expect(isChannelPattern(text)).toBe(expected);
    });
  });

  describe('matchesChannelPattern()', () => {
    it.each([
      ['karma.*', 'karma.feedback', true],
      ['karma.*', 'karma.lifecycle', true],
      ['*.feedback', 'karma.feedback', true],
      ['*.*', 'karma.feedback', true],
      ['karma.feedback', 'karma.feedback', true],
      ['orders.*.added', 'orders.line.added', true],
      ['*.*.*', 'orders.line.added', true],
      ['karma.*', 'karma', false],
      ['karma.*', 'karma.feedback.x', false],
      ['*', 'karma.feedback', false],
      ['*.*', 'orders.line.added', false],
      ['karma.*', 'karmas.feedback', false],
      ['karma.*', 'orders.created', false],
      ['karma.feedback', 'karma.lifecycle', false],
      ['karma.feed', 'karma.feedback', false],
      ['orders.*', 'orders.line.added', false],
      ['*.added', 'orders.line.added', false],
    ])('matches %p against %p: %p', (pattern, channel, expected) => {
      expect(matchesChannelPattern(pattern, channel)).toBe(expected);
    });
  });

  describe('expandChannels()', () => {
    it('expands a pattern in registration order', () => {
      expect(expandChannels(['karma.*'], REGISTERED)).toEqual([
        'karma.feedback',
        'karma.lifecycle',
        'karma.analytics',
      ]);
    });

    it('keeps registration order of names', () => {
      expect(
        expandChannels(['orders.created', 'karma.analytics', 'karma.feedback'], REGISTERED),
      ).toEqual(['karma.feedback', 'karma.analytics', 'orders.created']);
    });

    it('lists overlapping entries once', () => {
      expect(expandChannels(['karma.*', 'karma.feedback', '*.feedback'], REGISTERED)).toEqual([
        'karma.feedback',
        'karma.lifecycle',
        'karma.analytics',
      ]);
    });

    it('matches three-segment channels', () => {
      expect(expandChannels(['orders.*.*'], REGISTERED)).toEqual(['orders.line.added']);
      expect(expandChannels(['*.*'], REGISTERED)).toEqual(REGISTERED.slice(0, 4));
    });

    it.each([
      'Karma.feedback',
      'karma.',
      '.karma',
      'karma..feedback',
      'karma.**',
      'karma.feed*',
      'karma.#',
      'karma.>',
      'karma feedback',
      'karma.feedback ',
      '',
      '1karma.feedback',
    ])('rejects malformed entry %p', (entry) => {
      const error = thrownBy(() => expandChannels([entry], REGISTERED));

      expect(error.parameter).toBe('channels');
      expect(error.value).toBe(entry);
      expect(error.message).toContain('karma.*');
    });

    it.each([[123], [null], [['karma.*']]])('rejects non-string entry %p', (entry) => {
      const error = thrownBy(() => expandChannels([entry as unknown as string], REGISTERED));

      expect(error.parameter).toBe('channels');
      expect(error.value).toEqual(entry);
    });

    it.each([
      'nope.*',
      'karma',
      '*',
      'karma.unknown',
      'karma.feedback.x',
      '*.*.*.*',
      'orders.*.removed',
    ])('rejects %p matching nothing', (entry) => {
      const error = thrownBy(() => expandChannels([entry], REGISTERED));

      expect(error.parameter).toBe('channels');
      expect(error.value).toBe(entry);
      expect(error.message).toContain(REGISTERED.join(', '));
    });

    it('rejects one bad entry among good ones', () => {
      const error = thrownBy(() => expandChannels(['karma.*', 'nope.x'], REGISTERED));

      expect(error.parameter).toBe('channels');
      expect(error.value).toBe('nope.x');
    });
  });
});
