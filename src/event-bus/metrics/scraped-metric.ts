import type { ListenerCounters } from './listener-counters.js';

type Sample = { labels: Record<string, string | number>; value: number; metricName?: string };

/** Shape of a metric as prom-client's registry reads it when rendering. */
export interface ScrapedMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: 'sum';
    values: Sample[];
  }>;
}

/** A counter whose values are read from plain numbers when the registry renders it. */
export function counterMetric(
  name: string,
  help: string,
  read: () => { labels: Record<string, string>; value: number }[],
): ScrapedMetric {
  return scraped(name, help, 'counter', read);
}

/** A histogram built from per-listener bucket counts when the registry renders it. */
export function histogramMetric(
  name: string,
  help: string,
  bounds: readonly number[],
  read: () => ListenerCounters[],
): ScrapedMetric {
  return scraped(name, help, 'histogram', () =>
    read().flatMap((counters) => histogramSamples(name, bounds, counters)),
  );
}

function scraped(
  name: string,
  help: string,
  type: 'counter' | 'histogram',
  read: () => Sample[],
): ScrapedMetric {
  return {
    name,
    help,
    type,
    aggregator: 'sum',
    get: () => Promise.resolve({ name, help, type, aggregator: 'sum', values: read() }),
  };
}

function histogramSamples(
  name: string,
  bounds: readonly number[],
  counters: ListenerCounters,
): Sample[] {
  const labels = { channel: counters.channel, listener: counters.listener };
  const samples: Sample[] = [];
  let cumulative = 0;
  bounds.forEach((bound, i) => {
    cumulative += counters.bucketCounts[i];
    samples.push({
      metricName: `${name}_bucket`,
      labels: { le: bound, ...labels },
      value: cumulative,
    });
  });
  cumulative += counters.bucketCounts[bounds.length];
  samples.push({
    metricName: `${name}_bucket`,
    labels: { le: '+Inf', ...labels },
    value: cumulative,
  });
  samples.push({ metricName: `${name}_sum`, labels, value: counters.durationSum });
  samples.push({ metricName: `${name}_count`, labels, value: counters.durationCount });
  return samples;
}
