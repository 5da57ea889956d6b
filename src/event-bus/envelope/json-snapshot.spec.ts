import { JsonSnapshotError, snapshotJson } from './json-snapshot.js';

const MAX_DEPTH = 32;

/** Returns what a call throws, or undefined when it returns. */
function errorFrom(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Lists every object and array inside a value, the value included. */
function containersOf(value: unknown): object[] {
  if (typeof value !== 'object' || value === null) {
    return [];
  }
  return [value, ...Object.values(value).flatMap((item) => containersOf(item))];
}

function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < levels; level++) {
    value = { child: value };
  }
  return value;
}

describe('snapshotJson()', () => {
  describe('when the value is JSON data', () => {
    it('returns primitives unchanged', () => {
      expect(snapshotJson('text', 'payload', MAX_DEPTH)).toBe('text');
      expect(snapshotJson(0, 'payload', MAX_DEPTH)).toBe(0);
      expect(snapshotJson(-12.5, 'payload', MAX_DEPTH)).toBe(-12.5);
      expect(snapshotJson(false, 'payload', MAX_DEPTH)).toBe(false);
      expect(snapshotJson(null, 'payload', MAX_DEPTH)).toBeNull();
    });

    it('copies objects and arrays deeply', () => {
      const source = { user: { id: 'u-1', tags: ['a', 'b'] }, rows: [{ n: 1 }, [2, 3]] };

      const copy = snapshotJson(source, 'payload', MAX_DEPTH) as typeof source;

      expect(copy).toEqual(source);
      expect(copy).not.toBe(source);
      expect(copy.user).not.toBe(source.user);
      expect(copy.user.tags).not.toBe(source.user.tags);
      expect(copy.rows[0]).not.toBe(source.rows[0]);
      expect(copy.rows[1]).not.toBe(source.rows[1]);
    });

    it('freezes every level', () => {
      const source = { user: { id: 'u-1', tags: ['a', { deep: [1] }] }, list: [[[]]] };

      const copy = snapshotJson(source, 'payload', MAX_DEPTH);
      const containers = containersOf(copy);

      expect(containers).toHaveLength(8);
      for (const container of containers) {
        expect(Object.isFrozen(container)).toBe(true);
      }
    });

    it('detaches from later changes', () => {
      const source = { score: 10, user: { id: 'u-1' }, tags: ['a'] };

      const copy = snapshotJson(source, 'payload', MAX_DEPTH);
      source.score = 99;
      source.user.id = 'changed';
      source.tags.push('b');

      expect(copy).toEqual({ score: 10, user: { id: 'u-1' }, tags: ['a'] });
    });

    it('throws on writes in strict mode', () => {
      const copy = snapshotJson({ user: { id: 'u-1' }, tags: ['a'] }, 'payload', MAX_DEPTH) as {
        user: { id: string };
        tags: string[];
      };

      expect(() => {
        copy.user.id = 'changed';
      }).toThrow(TypeError);
      expect(() => copy.tags.push('b')).toThrow(TypeError);
      expect(copy).toEqual({ user: { id: 'u-1' }, tags: ['a'] });
    });

    it('drops undefined properties', () => {
      const copy = snapshotJson({ kept: 1, dropped: undefined }, 'payload', MAX_DEPTH);

      expect(copy).toEqual({ kept: 1 });
      expect(Object.keys(copy as object)).toEqual(['kept']);
    });

    it('gives null-prototype objects a plain prototype', () => {
      const source = Object.assign(Object.create(null) as Record<string, unknown>, { id: 'x' });

      const copy = snapshotJson(source, 'payload', MAX_DEPTH);

      expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
      expect(copy).toEqual({ id: 'x' });
    });

    it('accepts nesting at the depth limit', () => {
      expect(snapshotJson(nested(3), 'payload', 3)).toEqual({ child: { child: {} } });
    });
  });

  describe('when keys name prototypes', () => {
    afterEach(() => {
      delete (Object.prototype as Record<string, unknown>).polluted;
    });

    it('keeps __proto__ as own data', () => {
      const source = JSON.parse('{"__proto__": {"polluted": true}, "id": "x"}') as object;

      const copy = snapshotJson(source, 'payload', MAX_DEPTH) as Record<string, unknown>;

      expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
      expect(Object.keys(copy)).toEqual(['__proto__', 'id']);
      expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({
        polluted: true,
      });
      expect(copy.polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(JSON.stringify(copy)).toBe('{"__proto__":{"polluted":true},"id":"x"}');
    });

    it('keeps nested __proto__ as own data', () => {
      const source = JSON.parse('{"user": {"__proto__": {"isAdmin": true}}}') as object;

      const copy = snapshotJson(source, 'payload', MAX_DEPTH) as {
        user: Record<string, unknown>;
      };

      expect(Object.getPrototypeOf(copy.user)).toBe(Object.prototype);
      expect(copy.user.isAdmin).toBeUndefined();
      expect(Object.isFrozen(Object.getOwnPropertyDescriptor(copy.user, '__proto__')?.value)).toBe(
        true,
      );
    });

    it('keeps constructor and prototype as own data', () => {
      const source = JSON.parse(
        '{"constructor": {"prototype": {"polluted": true}}, "prototype": {"polluted": true}}',
      ) as object;

      const copy = snapshotJson(source, 'payload', MAX_DEPTH) as Record<string, unknown>;

      expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
      expect(Object.keys(copy)).toEqual(['constructor', 'prototype']);
      expect(copy.constructor).toEqual({ prototype: { polluted: true } });
      expect(copy.prototype).toEqual({ polluted: true });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype.constructor).toBe(Object);
    });
  });

  describe('when the value is not JSON data', () => {
    it.each([
      [
        'a function',
        { handler: () => undefined },
        'payload.handler',
        'must be JSON data, not of type function',
      ],
      ['a symbol', { tag: Symbol('tag') }, 'payload.tag', 'must be JSON data, not of type symbol'],
      ['a bigint', { amount: 10n }, 'payload.amount', 'must be JSON data, not of type bigint'],
      ['undefined in an array', { list: [1, undefined] }, 'payload.list[1]', 'must be JSON data'],
      ['NaN', { score: Number.NaN }, 'payload.score', 'must be a finite number'],
      ['Infinity', { score: Infinity }, 'payload.score', 'must be a finite number'],
      ['-Infinity', { rows: [{ n: -Infinity }] }, 'payload.rows[0].n', 'must be a finite number'],
      ['a Date', { at: new Date(0) }, 'payload.at', 'must be a plain object'],
      ['a Map', { index: new Map() }, 'payload.index', 'must be a plain object'],
      ['a Set', { ids: new Set([1]) }, 'payload.ids', 'must be a plain object'],
      ['a RegExp', { pattern: /x/ }, 'payload.pattern', 'must be a plain object'],
      ['a boxed string', { name: new String('x') }, 'payload.name', 'must be a plain object'],
    ])('rejects %s', (_kind, value, path, reason) => {
      const error = errorFrom(() => snapshotJson(value, 'payload', MAX_DEPTH));

      expect(error).toBeInstanceOf(JsonSnapshotError);
      expect((error as JsonSnapshotError).path).toBe(path);
      expect((error as JsonSnapshotError).reason).toContain(reason);
      expect((error as JsonSnapshotError).message).toBe(
        `${path} ${(error as JsonSnapshotError).reason}`,
      );
    });

    it('rejects a top-level undefined', () => {
      expect(() => snapshotJson(undefined, 'metadata', MAX_DEPTH)).toThrow(
        'metadata must be JSON data',
      );
    });

    it('rejects a cycle with its path', () => {
      const source: Record<string, unknown> = { id: 'x' };
      source.self = source;

      const error = errorFrom(() => snapshotJson(source, 'payload', MAX_DEPTH));

      expect(error).toBeInstanceOf(JsonSnapshotError);
      expect((error as JsonSnapshotError).path).toBe(`payload${'.self'.repeat(MAX_DEPTH)}`);
      expect((error as JsonSnapshotError).reason).toBe(
        `is nested deeper than ${MAX_DEPTH} levels (or is a cycle)`,
      );
    });

    it('rejects nesting past the limit', () => {
      const error = errorFrom(() => snapshotJson(nested(4), 'payload', 3));

      expect(error).toBeInstanceOf(JsonSnapshotError);
      expect((error as JsonSnapshotError).path).toBe('payload.child.child.child');
      expect((error as JsonSnapshotError).message).toBe(
        'payload.child.child.child is nested deeper than 3 levels (or is a cycle)',
      );
    });

    it('counts arrays as levels', () => {
      const error = errorFrom(() => snapshotJson({ rows: [[1]] }, 'payload', 2));

      expect(error).toBeInstanceOf(JsonSnapshotError);
      expect((error as JsonSnapshotError).path).toBe('payload.rows[0]');
    });
  });
});
