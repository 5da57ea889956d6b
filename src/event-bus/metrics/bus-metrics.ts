import { Gauge, Registry, type Metric } from 'prom-client';
import { DURATION_BUCKETS_SECONDS, ListenerCounters } from './listener-counters.js';
import { counterMetric, histogramMetric, type ScrapedMetric } from './scraped-metric.js';

/** Counters of one listener on one channel: plain fields, read only when metrics are scraped. */
export type ListenerChannelMetrics = ListenerCounters;

/** A gauge whose value is read when metrics are scraped. */
export type GaugeReader = () => Promise<{ labels: Record<string, string>; value: number }[]>;

/**
 * The bus's Prometheus metrics, in a registry of its own so that two apps in one process never
 * share counters. Names start with `event_bus_`.
 *
 * Publishing and delivery only add to plain numbers; prom-client reads them at scrape time,
 * because its own counters hash their labels on every increment, which cost more than the
 * rest of a publish.
 */
export class BusMetrics {
  readonly registry = new Registry();
  private readonly publishedByChannel = new Map<string, { count: number }>();
  private readonly listeners = new Map<string, ListenerCounters>();

  constructor() {
    const listeners = () => [...this.listeners.values()];
    this.register(
      counterMetric('event_bus_messages_published_total', 'Messages published, per channel', () =>
        [...this.publishedByChannel].map(([channel, { count }]) => ({
          labels: { channel },
          value: count,
        })),
      ),
    );
    for (const [event, description] of LISTENER_COUNTERS) {
      this.register(
        counterMetric(
          `event_bus_messages_${event}_total`,
          `Messages ${description}, per channel and listener`,
          // Like prom-client's own counters, a series appears once it has counted something.
          () =>
            listeners()
              .map((counters) => counters.sample(event))
              .filter((sample) => sample.value > 0),
        ),
      );
    }
    this.register(
      histogramMetric(
        'event_bus_handler_duration_seconds',
        'Time from calling a handler to its settling, per channel and listener',
        DURATION_BUCKETS_SECONDS,
        () => listeners().filter((counters) => counters.durationCount > 0),
      ),
    );
  }

  /** Counts one published message. */
  published(channel: string): void {
    let counter = this.publishedByChannel.get(channel);
    if (counter === undefined) {
      counter = { count: 0 };
      this.publishedByChannel.set(channel, counter);
    }
    counter.count++;
  }

  /** Returns how many messages were published on a channel since start. */
  publishedCount(channel: string): number {
    return this.publishedByChannel.get(channel)?.count ?? 0;
  }

  /** Returns the counters of a listener on a channel; callers keep them to skip this lookup. */
  forListener(channel: string, listener: string): ListenerChannelMetrics {
    const key = `${channel}\u0000${listener}`;
    let counters = this.listeners.get(key);
    if (counters === undefined) {
      counters = new ListenerCounters(channel, listener);
      this.listeners.set(key, counters);
    }
    return counters;
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

  /**
   * Adds a metric that only implements `get()`. prom-client's types want its own classes, but
   * its registry reads nothing else when rendering (prom-client 15).
   */
  private register(metric: ScrapedMetric): void {
    this.registry.registerMetric(metric as unknown as Metric);
  }

  /** Renders every metric in the Prometheus text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}

const LISTENER_COUNTERS = [
  ['delivered', 'handed to a listener'],
  ['failed', 'whose handler failed or timed out'],
  ['retried', 'delivered again after a failure'],
  ['dead_lettered', 'set aside as dead letters'],
] as const;
