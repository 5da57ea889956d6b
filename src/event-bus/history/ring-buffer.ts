/**
 * A fixed-capacity FIFO that overwrites its oldest item when full.
 *
 * Each item carries a sequence number that grows with every push, so a position can be found
 * by binary search. Storage grows on demand up to the capacity, so idle channels stay small.
 */
export class RingBuffer<T> {
  private items: T[] = [];
  private sequences: number[] = [];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Ring buffer capacity must be a positive integer, got ${capacity}`);
    }
  }

  get size(): number {
    return this.count;
  }

  /** Appends an item; returns the evicted oldest item when the buffer was full. */
  push(item: T, sequence: number): T | undefined {
    if (this.count < this.capacity) {
      const slot = (this.start + this.count) % this.capacity;
      this.items[slot] = item;
      this.sequences[slot] = sequence;
      this.count++;
      return undefined;
    }

    const evicted = this.items[this.start];
    this.items[this.start] = item;
    this.sequences[this.start] = sequence;
    this.start = (this.start + 1) % this.capacity;
    return evicted;
  }

  /** Returns the item at a position, 0 being the oldest. */
  at(index: number): T {
    return this.items[(this.start + index) % this.capacity];
  }

  sequenceAt(index: number): number {
    return this.sequences[(this.start + index) % this.capacity];
  }

  /** Returns the position of the first item whose sequence is greater than `sequence`. */
  indexAfter(sequence: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.sequenceAt(middle) <= sequence) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }
}
