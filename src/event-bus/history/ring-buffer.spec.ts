import { RingBuffer } from './ring-buffer.js';

describe('RingBuffer', () => {
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
  });
});
