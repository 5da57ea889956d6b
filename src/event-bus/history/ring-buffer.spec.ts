import { RingBuffer } from './ring-buffer.js';

/** Reads every item of a ring, oldest first. */
function itemsOf<T>(ring: RingBuffer<T>): T[] {
  return Array.from({ length: ring.size }, (_, index) => ring.at(index));
}

/** Reads every sequence number of a ring, oldest first. */
function sequencesOf<T>(ring: RingBuffer<T>): number[] {
  return Array.from({ length: ring.size }, (_, index) => ring.sequenceAt(index));
}

describe('RingBuffer', () => {
  describe('constructor', () => {
    it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
      'rejects capacity %p',
      (capacity) => {
        expect(() => new RingBuffer<string>(capacity)).toThrow(RangeError);
        expect(() => new RingBuffer<string>(capacity)).toThrow(
          `Ring buffer capacity must be a positive integer, got ${capacity}`,
        );
      },
    );

    it('starts empty', () => {
      const ring = new RingBuffer<string>(3);

      expect(ring.capacity).toBe(3);
      expect(ring.size).toBe(0);
      expect(ring.indexAfter(0)).toBe(0);
    });
  });

  describe('push()', () => {
    it('evicts the oldest item when full', () => {
      const ring = new RingBuffer<string>(2);

      expect(ring.push('a', 1)).toBeUndefined();
      expect(ring.push('b', 2)).toBeUndefined();
      expect(ring.push('c', 3)).toBe('a');

      expect(ring.size).toBe(2);
      expect(ring.at(0)).toBe('b');
      expect(ring.at(1)).toBe('c');
    });

    it('keeps one item at capacity 1', () => {
      const ring = new RingBuffer<string>(1);

      expect(ring.push('a', 1)).toBeUndefined();
      expect(ring.push('b', 2)).toBe('a');
      expect(ring.push('c', 3)).toBe('b');

      expect(ring.size).toBe(1);
      expect(ring.at(0)).toBe('c');
      expect(ring.sequenceAt(0)).toBe(3);
    });

    it('fills exactly without eviction', () => {
      const ring = new RingBuffer<string>(3);

      expect(ring.push('a', 1)).toBeUndefined();
      expect(ring.push('b', 2)).toBeUndefined();
      expect(ring.push('c', 3)).toBeUndefined();

      expect(ring.size).toBe(3);
      expect(itemsOf(ring)).toEqual(['a', 'b', 'c']);
      expect(sequencesOf(ring)).toEqual([1, 2, 3]);
    });

    it('wraps around many times', () => {
      const ring = new RingBuffer<number>(3);
      const evicted: (number | undefined)[] = [];

      for (let value = 1; value <= 100; value++) {
        evicted.push(ring.push(value, value * 10));
      }

      expect(evicted.slice(0, 3)).toEqual([undefined, undefined, undefined]);
      expect(evicted.slice(3)).toEqual(Array.from({ length: 97 }, (_, index) => index + 1));
      expect(ring.size).toBe(3);
      expect(itemsOf(ring)).toEqual([98, 99, 100]);
      expect(sequencesOf(ring)).toEqual([980, 990, 1000]);
    });
  });

  describe('indexAfter()', () => {
    it('finds positions between sparse sequences', () => {
      const ring = new RingBuffer<string>(5);
      ring.push('a', 10);
      ring.push('b', 20);
      ring.push('c', 30);

      expect(ring.indexAfter(0)).toBe(0);
      expect(ring.indexAfter(9)).toBe(0);
      expect(ring.indexAfter(10)).toBe(1);
      expect(ring.indexAfter(15)).toBe(1);
      expect(ring.indexAfter(20)).toBe(2);
      expect(ring.indexAfter(29)).toBe(2);
      expect(ring.indexAfter(30)).toBe(3);
      expect(ring.indexAfter(1_000)).toBe(3);
    });

    it('searches a wrapped ring', () => {
      const ring = new RingBuffer<number>(4);
      for (let sequence = 1; sequence <= 10; sequence++) {
        ring.push(sequence, sequence);
      }

      expect(sequencesOf(ring)).toEqual([7, 8, 9, 10]);
      expect(ring.indexAfter(1)).toBe(0);
      expect(ring.indexAfter(6)).toBe(0);
      expect(ring.indexAfter(7)).toBe(1);
      expect(ring.indexAfter(8)).toBe(2);
      expect(ring.indexAfter(9)).toBe(3);
      expect(ring.indexAfter(10)).toBe(4);
    });

    it('matches a linear scan', () => {
      const ring = new RingBuffer<number>(7);
      for (let sequence = 3; sequence <= 60; sequence += 3) {
        ring.push(sequence, sequence);
      }
      const sequences = sequencesOf(ring);

      for (let probe = 0; probe <= 65; probe++) {
        const expected = sequences.filter((sequence) => sequence <= probe).length;
        expect(ring.indexAfter(probe)).toBe(expected);
      }
    });
  });
});
