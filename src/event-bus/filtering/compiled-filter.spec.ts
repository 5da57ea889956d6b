import { describe, expect, it, jest } from '@jest/globals';
import type { Envelope, EnvelopeMetadata } from '../envelope/envelope.interface.js';
import { InvalidFilterException } from '../exceptions/invalid-filter.exception.js';
import { compileFilter, MAX_FILTER_FIELDS } from './compiled-filter.js';
import type { FilterValue, MessageFilter } from './message-filter.interface.js';

const REGISTERED = ['karma.feedback', 'karma.lifecycle', 'karma.analytics', 'orders.created'];

let sequence = 0;

/** Builds an envelope the way the bus would deliver it, with a fresh message id. */
function envelope(
  payload: unknown,
  metadata?: EnvelopeMetadata,
  channel = 'karma.feedback',
): Envelope {
  sequence += 1;
  return {
    message_id: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    channel,
    payload,
    timestamp: '2026-12-01T12:00:00.000Z',
    ...(metadata === undefined ? {} : { metadata }),
  };
}

function payloadFilter(fields: Record<string, FilterValue>): MessageFilter {
  return { payload: fields };
}

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

/** `count` distinct payload fields, each equal to `yes`. */
function manyFields(count: number, prefix = 'f'): Record<string, FilterValue> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, 'yes']));
}

describe('compileFilter()', () => {
  describe('when the filter is empty', () => {
    it('selects every registered channel', () => {
      const filter = compileFilter(undefined, REGISTERED);

      expect(filter.channels).toEqual(REGISTERED);
      expect(filter.hasConditions).toBe(false);
    });

    it('matches any message', () => {
      const filter = compileFilter({}, REGISTERED);

      expect(filter.matches(envelope({ user_id: 'u1' }))).toBe(true);
      expect(filter.matches(envelope(null))).toBe(true);
    });
  });

  describe('when only channels are given', () => {
    it('expands the patterns', () => {
      const filter = compileFilter({ channels: ['karma.*'] }, REGISTERED);

      expect(filter.channels).toEqual(['karma.feedback', 'karma.lifecycle', 'karma.analytics']);
      expect(filter.hasConditions).toBe(false);
    });

    it('rejects a pattern matching nothing', () => {
      const error = thrownBy(() => compileFilter({ channels: ['nope.*'] }, REGISTERED));

      expect(error.parameter).toBe('channels');
      expect(error.value).toBe('nope.*');
    });
  });

  describe('when matching payload fields', () => {
    it('matches an equal top-level field', () => {
      const filter = compileFilter(payloadFilter({ user_id: 'u1' }), REGISTERED);

      expect(filter.hasConditions).toBe(true);
      expect(filter.matches(envelope({ user_id: 'u1', score: 3 }))).toBe(true);
      expect(filter.matches(envelope({ user_id: 'u2' }))).toBe(false);
      expect(filter.matches(envelope({ score: 3 }))).toBe(false);
    });

    it('requires every field', () => {
      const filter = compileFilter(payloadFilter({ user_id: 'u1', band: 'high' }), REGISTERED);

      expect(filter.matches(envelope({ user_id: 'u1', band: 'high' }))).toBe(true);
      expect(filter.matches(envelope({ user_id: 'u1', band: 'low' }))).toBe(false);
      expect(filter.matches(envelope({ user_id: 'u2', band: 'high' }))).toBe(false);
    });

    it('follows a dotted path', () => {
      const filter = compileFilter(payloadFilter({ 'user.id': 'u1' }), REGISTERED);

      expect(filter.matches(envelope({ user: { id: 'u1' } }))).toBe(true);
      expect(filter.matches(envelope({ user: { id: 'u2' } }))).toBe(false);
      expect(filter.matches(envelope({ 'user.id': 'u1' }))).toBe(false);
    });

    it('follows a three-level path', () => {
      const filter = compileFilter(payloadFilter({ 'a.b-c.d_e': 7 }), REGISTERED);

      expect(filter.matches(envelope({ a: { 'b-c': { d_e: 7 } } }))).toBe(true);
      expect(filter.matches(envelope({ a: { 'b-c': { d_e: 8 } } }))).toBe(false);
    });

    it.each([
      ['a scalar', { user: 'u1' }],
      ['null', { user: null }],
      ['a missing parent', {}],
      ['a null payload', null],
      ['a string payload', 'user.id'],
    ])('fails through %s without throwing', (_label, payload) => {
      const filter = compileFilter(payloadFilter({ 'user.id': 'u1' }), REGISTERED);

      expect(filter.matches(envelope(payload))).toBe(false);
    });

    it('ignores inherited properties', () => {
      const filter = compileFilter(
        payloadFilter({ toString: 'x', 'a.constructor': 'y' }),
        REGISTERED,
      );

      expect(filter.matches(envelope({ a: {} }))).toBe(false);
    });

    it('compares an object field unequal', () => {
      const filter = compileFilter(payloadFilter({ user: '[object Object]' }), REGISTERED);

      expect(filter.matches(envelope({ user: { id: 'u1' } }))).toBe(false);
    });
  });

  describe('when types differ', () => {
    it.each<[FilterValue, unknown, boolean]>([
      ['42', 42, true],
      [42, 42, true],
      ['42', '42', true],
      [42, '42', false],
      ['42.5', 42.5, true],
      ['042', 42, false],
      ['42.0', 42, false],
      [' 42', 42, false],
      ['true', true, true],
      [true, true, true],
      [true, 'true', false],
      ['false', false, true],
      ['1', true, false],
      [1, true, false],
      [0, false, false],
      [null, null, true],
      [null, 'null', false],
      ['null', null, false],
      [null, undefined, false],
      ['', 0, false],
      ['u1', ['u1'], false],
    ])('expected %p against value %p: %p', (expected, value, result) => {
      const filter = compileFilter(payloadFilter({ field: expected }), REGISTERED);

      expect(filter.matches(envelope({ field: value }))).toBe(result);
    });

    it('treats a missing field as unequal to null', () => {
      const filter = compileFilter(payloadFilter({ field: null }), REGISTERED);

      expect(filter.matches(envelope({}))).toBe(false);
    });
  });

  describe('when matching metadata fields', () => {
    it('matches metadata fields', () => {
      const filter = compileFilter({ metadata: { source: 'karma-analytics' } }, REGISTERED);

      expect(filter.matches(envelope({}, { source: 'karma-analytics' }))).toBe(true);
      expect(filter.matches(envelope({}, { source: 'karma-feedback' }))).toBe(false);
      expect(filter.matches(envelope({}))).toBe(false);
    });

    it('keeps payload and metadata apart', () => {
      const filter = compileFilter({ metadata: { source: 'x' } }, REGISTERED);

      expect(filter.matches(envelope({ source: 'x' }, { source: 'y' }))).toBe(false);
    });

    it('combines payload and metadata', () => {
      const filter = compileFilter(
        { payload: { user_id: 'u1' }, metadata: { 'trace.id': 't1' } },
        REGISTERED,
      );

      expect(filter.matches(envelope({ user_id: 'u1' }, { trace: { id: 't1' } }))).toBe(true);
      expect(filter.matches(envelope({ user_id: 'u1' }, { trace: { id: 't2' } }))).toBe(false);
      expect(filter.matches(envelope({ user_id: 'u2' }, { trace: { id: 't1' } }))).toBe(false);
    });
  });

  describe('when a where predicate is given', () => {
    it('calls it with the envelope', () => {
      const where = jest.fn((message: Envelope) => message.channel === 'karma.lifecycle');
      const filter = compileFilter({ where }, REGISTERED);
      const message = envelope({}, undefined, 'karma.lifecycle');

      expect(filter.hasConditions).toBe(true);
      expect(filter.matches(message)).toBe(true);
      expect(where.mock.calls).toEqual([[message]]);
      expect(filter.matches(envelope({}))).toBe(false);
    });

    it('joins field conditions with and', () => {
      const where = jest.fn((message: Envelope) => message.metadata?.source === 'ok');
      const filter = compileFilter({ payload: { user_id: 'u1' }, where }, REGISTERED);

      expect(filter.matches(envelope({ user_id: 'u1' }, { source: 'ok' }))).toBe(true);
      expect(filter.matches(envelope({ user_id: 'u1' }, { source: 'no' }))).toBe(false);
      expect(filter.matches(envelope({ user_id: 'u2' }, { source: 'ok' }))).toBe(false);
    });

    it.each([['text'], [42], [null], [{}]])('rejects non-function where %p', (where) => {
      const error = thrownBy(() =>
        compileFilter({ where: where as unknown as MessageFilter['where'] }, REGISTERED),
      );

      expect(error.parameter).toBe('where');
    });
  });

  describe('when a field condition is malformed', () => {
    it.each(['a..b', '', '.a', 'a.', 'a b', 'a/b', 'a[0]', 'ü'])(
      'rejects payload path %p',
      (path) => {
        const error = thrownBy(() => compileFilter(payloadFilter({ [path]: 'x' }), REGISTERED));

        expect(error.parameter).toBe(`payload.${path}`);
        expect(error.value).toBe(path);
      },
    );

    it('rejects a metadata path', () => {
      const error = thrownBy(() => compileFilter({ metadata: { 'x..y': 'v' } }, REGISTERED));

      expect(error.parameter).toBe('metadata.x..y');
    });

    it.each([[{ id: 1 }], [['u1']], [undefined]])('rejects value %p', (value) => {
      const error = thrownBy(() =>
        compileFilter({ payload: { user_id: value as unknown as FilterValue } }, REGISTERED),
      );

      expect(error.parameter).toBe('payload.user_id');
    });

    it.each([['text'], [['user_id']], [null], [42]])('rejects payload %p', (payload) => {
      const error = thrownBy(() =>
        compileFilter({ payload: payload as unknown as Record<string, FilterValue> }, REGISTERED),
      );

      expect(error.parameter).toBe('payload');
    });

    it('rejects metadata that is no object', () => {
      const error = thrownBy(() =>
        compileFilter({ metadata: 'source' as unknown as Record<string, FilterValue> }, REGISTERED),
      );

      expect(error.parameter).toBe('metadata');
    });
  });

  describe('when counting conditions', () => {
    it('allows the maximum', () => {
      expect(MAX_FILTER_FIELDS).toBe(20);

      const filter = compileFilter({ payload: manyFields(MAX_FILTER_FIELDS) }, REGISTERED);

      expect(filter.matches(envelope(manyFields(MAX_FILTER_FIELDS)))).toBe(true);
    });

    it('rejects one payload field more', () => {
      const error = thrownBy(() =>
        compileFilter({ payload: manyFields(MAX_FILTER_FIELDS + 1) }, REGISTERED),
      );

      expect(error.parameter).toBe('payload');
      expect(error.value).toBe(21);
      expect(error.message).toContain('at most 20 field conditions');
    });

    it('counts payload and metadata together', () => {
      const filter = { payload: manyFields(10, 'p'), metadata: manyFields(11, 'm') };

      const error = thrownBy(() => compileFilter(filter, REGISTERED));

      expect(error.value).toBe(21);
    });
  });
});
