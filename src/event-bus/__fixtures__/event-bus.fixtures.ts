/** Channels, payloads and a bus harness shared by the EventBusService specs. */
import { afterEach, jest } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { EventBusChannels } from '../channels/channel-map.interface.js';
import type {
  KarmaAnalyticsPayload,
  KarmaFeedbackPayload,
  KarmaLifecyclePayload,
} from '../channels/karma.channels.js';
import type { Envelope } from '../envelope/envelope.interface.js';
import { EventBusModule } from '../event-bus.module.js';
import { EventBusService } from '../event-bus.service.js';
import type { ChannelDefinition } from '../interfaces/channel-definition.interface.js';
import type { EventBusModuleOptions } from '../interfaces/event-bus-options.interface.js';

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export interface TestChannels extends EventBusChannels {
  'orders.created': { order_id: string; lines?: { sku: string; qty: number }[] };
  'test.events': Record<string, unknown>;
  'game.ping': { n: number };
  'game.pong': { n: number };
}

const ORDER_SCHEMA = {
  type: 'object',
  required: ['order_id'],
  additionalProperties: false,
  properties: {
    order_id: { type: 'string', minLength: 1 },
    lines: {
      type: 'array',
      items: {
        type: 'object',
        required: ['sku', 'qty'],
        properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } },
      },
    },
  },
};

export const TEST_CHANNELS: ChannelDefinition[] = [
  { name: 'orders.created', schema: ORDER_SCHEMA, description: 'Orders placed by customers' },
  { name: 'test.events' },
  { name: 'game.ping' },
  { name: 'game.pong' },
];

export const FEEDBACK: KarmaFeedbackPayload = {
  user_id: 'user-42',
  score: 71.52,
  influence: 0.4304,
  signal: 'positive',
  band: 'high',
  action_count: 3,
  as_of: '2026-12-01T12:00:00.000Z',
};

export const LIFECYCLE: KarmaLifecyclePayload = {
  user_id: 'user-42',
  event: 'birth',
  occurred_at: '2026-12-01T12:00:00.000Z',
};

export const ANALYTICS: KarmaAnalyticsPayload = {
  feedback_count: 1,
  lifecycle_count: 0,
  users_seen: 1,
  average_score: 71.52,
  by_band: { very_low: 0, low: 0, neutral: 0, high: 1, very_high: 0 },
  by_lifecycle_event: {
    birth: 0,
    death: 0,
    rebirth: 0,
    role_change: 0,
    suspension: 0,
    reinstatement: 0,
  },
  trigger_message_id: '3f1c2a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f',
};

export interface LogEntry {
  level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  message: string;
  params: unknown[];
}

/** A Nest logger that keeps every entry, so tests can count and read log lines. */
export class RecordingLogger implements LoggerService {
  readonly entries: LogEntry[] = [];

  log(message: unknown, ...params: unknown[]): void {
    this.record('log', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.record('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.record('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.record('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.record('verbose', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.record('fatal', message, params);
  }

  /** Error entries written by a logger with this context, the last parameter Nest appends. */
  errors(context = 'EventBus'): LogEntry[] {
    return this.entries.filter(
      (entry) => entry.level === 'error' && entry.params[entry.params.length - 1] === context,
    );
  }

  private record(level: LogEntry['level'], message: unknown, params: unknown[]): void {
    this.entries.push({ level, message: String(message), params });
  }
}

/** Returns what a call throws, or undefined when it returns. */
export function errorFrom(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}

export function idsOf(items: readonly Envelope[]): string[] {
  return items.map((item) => item.message_id);
}

/** Builds the bus of one test through Nest's testing module, and closes it afterwards. */
export class BusHarness {
  logger = new RecordingLogger();
  private moduleRef: TestingModule | undefined;
  private started: EventBusService<TestChannels> | undefined;

  /** The bus of the last `start()`. */
  get bus(): EventBusService<TestChannels> {
    if (this.started === undefined) {
      throw new Error('Call start() before using the bus');
    }
    return this.started;
  }

  /** Compiles a module with the bus and a new recording logger, without initialising it. */
  create(options: EventBusModuleOptions = {}): Promise<TestingModule> {
    this.logger = new RecordingLogger();
    return Test.createTestingModule({
      imports: [EventBusModule.forRoot({ http: false, ...options })],
    })
      .setLogger(this.logger)
      .compile();
  }

  /** Compiles and initialises a bus with the test channels by default. */
  async start(
    options: EventBusModuleOptions = { channels: TEST_CHANNELS },
  ): Promise<EventBusService<TestChannels>> {
    this.moduleRef = await this.create(options);
    await this.moduleRef.init();
    this.started = this.moduleRef.get<EventBusService<TestChannels>>(EventBusService);
    return this.started;
  }

  /** Reads the id of every message in history, oldest first. */
  async storedIds(): Promise<string[]> {
    return idsOf((await this.bus.history({ order: 'asc', limit: 1000 })).items);
  }

  /** Closes the bus and restores every spy. */
  async close(): Promise<void> {
    await this.moduleRef?.close();
    this.moduleRef = undefined;
    this.started = undefined;
    jest.restoreAllMocks();
  }
}

/** Returns a harness whose bus is closed after each test of the calling `describe`. */
export function useBusHarness(): BusHarness {
  const harness = new BusHarness();
  afterEach(() => harness.close());
  return harness;
}
