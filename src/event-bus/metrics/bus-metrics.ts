import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Counters of one listener on one channel, bound once so that counting costs no label lookup. */
export interface ListenerChannelMetrics {
  delivered(): void;
  failed(): void;
  retried(): void;
  deadLettered(): void;
  /** Records how long one handler call took, in seconds. */
  observeDuration(seconds: number): void;
}

/** A gauge whose value is read when metrics are scraped. */
export type GaugeReader = () => Promise<{ labels: Record<string, string>; value: number }[]>;

const LISTENER_LABELS = ['channel', 'listener'] as const;

/**
 * The bus's Prometheus metrics, in a registry of its own so that two apps in one process never
 * share counters. Names start with `event_bus_`.
 */
export class BusMetrics {
  readonly registry = new Registry();
  private readonly publishedTotal = new Counter({
    name: 'event_bus_messages_published_total',
    help: 'Messages published, per channel',
    labelNames: ['channel'],
    registers: [this.registry],
  });
  private readonly deliveredTotal = this.listenerCounter('delivered', 'handed to a listener');
  private readonly failedTotal = this.listenerCounter(
    'failed',
    'whose handler failed or timed out',
  );
  private readonly retriedTotal = this.listenerCounter(
    'retried',
    'delivered again after a failure',
  );
  private readonly deadLetteredTotal = this.listenerCounter(
    'dead_lettered',
    'set aside as dead letters',
  );
  private readonly handlerSeconds = new Histogram({
    name: 'event_bus_handler_duration_seconds',
    help: 'Time from calling a handler to its settling, per channel and listener',
    labelNames: LISTENER_LABELS,
    buckets: [0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  private readonly publishedByChannel = new Map<string, Counter.Internal>();

  /** Counts one published message. */
  published(channel: string): void {
    let child = this.publishedByChannel.get(channel);
    if (child === undefined) {
      child = this.publishedTotal.labels(channel);
      this.publishedByChannel.set(channel, child);
    }
    child.inc();
  }

  /** Returns the counters of a listener on a channel. */
  forListener(channel: string, listener: string): ListenerChannelMetrics {
    const delivered = this.deliveredTotal.labels(channel, listener);
    const failed = this.failedTotal.labels(channel, listener);
    const retried = this.retriedTotal.labels(channel, listener);
    const deadLettered = this.deadLetteredTotal.labels(channel, listener);
    const duration = this.handlerSeconds.labels(channel, listener);
    return {
      delivered: () => delivered.inc(),
      failed: () => failed.inc(),
      retried: () => retried.inc(),
      deadLettered: () => deadLettered.inc(),
      observeDuration: (seconds) => duration.observe(seconds),
    };
  }

  /** Adds a gauge whose values are read at scrape time; a failed read reports no values. */
  addGauge(name: string, help: string, labelNames: string[], read: GaugeReader): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        // A failed read (Redis down, say) leaves this gauge empty, so the rest is still served.
        const values = await read().catch(() => []);
        for (const { labels, value } of values) {
          this.set(labels, value);
        }
      },
    });
  }

  /** Renders every metric in the Prometheus text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  private listenerCounter(event: string, description: string): Counter<'channel' | 'listener'> {
    return new Counter({
      name: `event_bus_messages_${event}_total`,
      help: `Messages ${description}, per channel and listener`,
      labelNames: LISTENER_LABELS,
      registers: [this.registry],
    });
  }
}
