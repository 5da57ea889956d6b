import type {
  DeadLetter,
  DeadLetterPage,
  NewDeadLetter,
} from '../interfaces/dead-letter.interface.js';

/** Keeps the most recent dead letters in memory, up to a capacity. */
export class MemoryDeadLetterStore {
  private readonly letters: DeadLetter[] = [];
  private lastId = 0;

  constructor(private readonly capacity: number) {}

  add(letter: NewDeadLetter): void {
    this.letters.push({ dead_letter_id: String(++this.lastId), ...letter });
    if (this.letters.length > this.capacity) {
      this.letters.shift();
    }
  }

  list(limit: number, before: string | undefined): DeadLetterPage {
    const beforeId = before === undefined ? Number.POSITIVE_INFINITY : Number(before);
    const older = this.letters.filter((letter) => Number(letter.dead_letter_id) < beforeId);
    const items = older.slice(-limit).reverse();
    const hasMore = older.length > limit;
    return { items, next_cursor: hasMore ? items[items.length - 1].dead_letter_id : null };
  }

  get(id: string): DeadLetter | undefined {
    return this.letters.find((letter) => letter.dead_letter_id === id);
  }

  delete(id: string): void {
    const index = this.letters.findIndex((letter) => letter.dead_letter_id === id);
    if (index >= 0) {
      this.letters.splice(index, 1);
    }
  }
}
