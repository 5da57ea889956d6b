import type { ChannelDefinition } from '../../src/event-bus/index.js';

/** The channel every bench publishes on. */
export const BENCH_CHANNEL = 'bench.events';

/** A second channel, so that the pattern `bench.*` selects more than one channel. */
export const BENCH_OTHER_CHANNEL = 'bench.other';

/** The payload of bench messages: small, flat and of a realistic size (about 50 bytes as JSON). */
export interface BenchPayload {
  user_id: string;
  score: number;
  seq: number;
}

declare module '../../src/event-bus/channels/channel-map.interface.js' {
  interface EventBusChannels {
    'bench.events': BenchPayload;
    'bench.other': BenchPayload;
  }
}

/** The bench channels, registered without a schema. */
export const BENCH_CHANNELS: ChannelDefinition[] = [
  { name: BENCH_CHANNEL, description: 'Messages published by the benchmarks' },
  { name: BENCH_OTHER_CHANNEL, description: 'A second bench channel for pattern subscriptions' },
];

/** Builds the payload of bench message number `seq`. */
export function benchPayload(seq: number): BenchPayload {
  return { user_id: 'user-42', score: 70.3, seq };
}
