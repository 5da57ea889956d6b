import type { Redis } from 'ioredis';
import type { BusMetrics } from '../../metrics/bus-metrics.js';
import type { RedisKeys } from './redis-keys.js';

type XInfoGroup = (string | number | null)[];

/**
 * Adds gauges read from Redis at scrape time: messages pending (delivered, not yet acknowledged)
 * and group lag (in the stream, not yet delivered to the group), per group and channel.
 */
export function registerRedisGauges(
  metrics: BusMetrics,
  redis: Redis,
  keys: RedisKeys,
  groupChannels: () => { group: string; channel: string }[],
): void {
  const labelNames = ['group', 'channel'];

  metrics.addGauge(
    'event_bus_redis_pending_messages',
    'Group messages delivered to a consumer and not yet acknowledged',
    labelNames,
    async () => {
      const pairs = groupChannels();
      return readOrNothing(pairs, async ({ group, channel }) => {
        const summary = (await redis.xpending(keys.stream(channel), group)) as [
          number,
          ...unknown[],
        ];
        return { labels: { group, channel }, value: Number(summary[0] ?? 0) };
      });
    },
  );

  metrics.addGauge(
    'event_bus_redis_group_lag_messages',
    'Stream entries not yet delivered to the group (Redis 7 XINFO GROUPS lag)',
    labelNames,
    async () => {
      const pairs = groupChannels();
      return readOrNothing(pairs, async ({ group, channel }) => {
        const groups = (await redis.xinfo('GROUPS', keys.stream(channel))) as XInfoGroup[];
        const info = groups.find((fields) => fields[fields.indexOf('name') + 1] === group);
        const lag = info === undefined ? 0 : Number(info[info.indexOf('lag') + 1] ?? 0);
        return { labels: { group, channel }, value: lag };
      });
    },
  );
}

type GaugeValue = { labels: Record<string, string>; value: number };

/**
 * Reads one gauge value per pair; while Redis is unreachable the gauge reports no values, so
 * the other metrics are still served.
 */
async function readOrNothing<T>(
  pairs: T[],
  read: (pair: T) => Promise<GaugeValue>,
): Promise<GaugeValue[]> {
  try {
    return await Promise.all(pairs.map(read));
  } catch {
    return [];
  }
}
