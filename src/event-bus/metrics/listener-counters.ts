/** Upper bounds of the handler duration histogram, in seconds. */
export const DURATION_BUCKETS_SECONDS = [0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];

/** The events counted per listener and channel. */
export type ListenerEvent = 'delivered' | 'failed' | 'retried' | 'dead_lettered';

/** Counters and a duration histogram of one listener on one channel, as plain numbers. */
export class ListenerCounters {
  private deliveredCount = 0;
  private failedCount = 0;
  private retriedCount = 0;
  private deadLetteredCount = 0;
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  readonly bucketCounts = new Array<number>(DURATION_BUCKETS_SECONDS.length + 1).fill(0);
  durationSum = 0;
  durationCount = 0;

  constructor(
    readonly channel: string,
    readonly listener: string,
  ) {}

  delivered(): void {
    this.deliveredCount++;
  }

  failed(): void {
    this.failedCount++;
  }

  retried(): void {
    this.retriedCount++;
  }

  deadLettered(): void {
    this.deadLetteredCount++;
  }

  /** Records how long one handler call took, in seconds. */
  observeDuration(seconds: number): void {
    let bucket = 0;
    while (bucket < DURATION_BUCKETS_SECONDS.length && seconds > DURATION_BUCKETS_SECONDS[bucket]) {
      bucket++;
    }
    this.bucketCounts[bucket]++;
    this.durationSum += seconds;
    this.durationCount++;
  }

  /** Returns one counter with its labels, for a scrape. */
  sample(event: ListenerEvent): { labels: Record<string, string>; value: number } {
    const value = {
      delivered: this.deliveredCount,
      failed: this.failedCount,
      retried: this.retriedCount,
      dead_lettered: this.deadLetteredCount,
    }[event];
    return { labels: { channel: this.channel, listener: this.listener }, value };
  }
}
