/**
 * Source of a small Nest app that uses karma-event-bus as an installed package, written to a
 * temporary folder by `test/package.e2e-spec.ts`. It is a string rather than a file of this
 * repository, so the repository's own compiler and linter never resolve `karma-event-bus` to it.
 *
 * The app prints one JSON line, `PackageConsumerReport`, and exits with status 0; any failure
 * exits with status 1 and the error on stderr.
 */
export const PACKAGE_CONSUMER_MAIN = `import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import {
  EventBusModule,
  EventBusService,
  InvalidPayloadException,
  OnChannel,
  type ChannelDefinition,
  type ChannelEnvelope,
} from 'karma-event-bus';
import { createTestingBus } from 'karma-event-bus/testing';

declare module 'karma-event-bus' {
  interface EventBusChannels {
    'orders.created': { order_id: string; total_cents: number };
  }
}

const ORDERS_CREATED: ChannelDefinition = {
  name: 'orders.created',
  description: 'Orders accepted by the checkout',
  schema: {
    type: 'object',
    required: ['order_id', 'total_cents'],
    additionalProperties: false,
    properties: {
      order_id: { type: 'string', minLength: 1 },
      total_cents: { type: 'integer', minimum: 0 },
    },
  },
};

@Injectable()
class OrderAudit {
  readonly orders: string[] = [];

  @OnChannel('orders.created')
  record(message: ChannelEnvelope<'orders.created'>): void {
    this.orders.push(message.payload.order_id);
  }
}

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true,
      load: [() => ({ ORDERS_HISTORY_CAPACITY: '25' })],
    }),
    EventBusModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        historyCapacity: Number(config.getOrThrow('ORDERS_HISTORY_CAPACITY')),
        channels: [ORDERS_CREATED],
      }),
    }),
  ],
  providers: [OrderAudit],
})
class AppModule {}

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

async function serveAndPublish() {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  try {
    const url = await app.getUrl();
    const bus: EventBusService = app.get(EventBusService);
    const published = await bus.publish('orders.created', { order_id: 'o-1', total_cents: 1250 });
    const invalid = await bus
      // @ts-expect-error total_cents is a number in EventBusChannels
      .publish('orders.created', { order_id: 'o-2', total_cents: 'ten' })
      .then(
        () => 'accepted',
        (error: unknown) => (error instanceof InvalidPayloadException ? error.field : String(error)),
      );
    const history = await getJson(url + '/events/history?channel=orders.created');
    const cloudEvents = await getJson(url + '/events/history?channel=orders.created&format=cloudevents');
    const channels = await getJson(url + '/events/channels');
    const asyncApi = await getJson(url + '/events/asyncapi.json');
    return {
      url,
      published: published.message_id,
      audited: app.get(OrderAudit).orders,
      invalid,
      history,
      cloudEventTypes: cloudEvents.body.items.map((event: { type: string }) => event.type),
      channels: channels.body.items.map((channel: { name: string }) => channel.name),
      asyncApiChannels: Object.keys(asyncApi.body.channels ?? {}),
    };
  } finally {
    await app.close();
  }
}

async function useTestingKit() {
  const testing = await createTestingBus({ bus: { channels: [ORDERS_CREATED] }, providers: [OrderAudit] });
  try {
    const waiting = testing.waitFor('orders.created', (message) => message.payload.order_id === 'o-9');
    await testing.bus.publish('orders.created', { order_id: 'o-9', total_cents: 1 });
    const found = await waiting;
    await testing.idle();
    return {
      found: found.payload.order_id,
      recorded: testing.recorder.byChannel('orders.created').length,
      audited: testing.moduleRef.get(OrderAudit).orders,
    };
  } finally {
    await testing.close();
  }
}

async function startRedisWithoutIoredis(): Promise<string> {
  try {
    const context = await NestFactory.createApplicationContext(
      EventBusModule.forRoot({ http: false, transport: { type: 'redis', url: 'redis://127.0.0.1:1' } }),
      { logger: false, abortOnError: false },
    );
    await context.close();
    return 'started';
  } catch (error) {
    return (error as Error).message;
  }
}

const report = {
  app: await serveAndPublish(),
  testing: await useTestingKit(),
  redisWithoutIoredis: await startRedisWithoutIoredis(),
};
console.log(JSON.stringify(report));
`;

/** `tsconfig.json` of the consumer app: what a Nest 12 ESM project needs, with strict checks. */
export const PACKAGE_CONSUMER_TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'ES2023',
    lib: ['ES2023'],
    types: ['node'],
    rootDir: 'src',
    outDir: 'dist',
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    skipLibCheck: false,
  },
  include: ['src/**/*.ts'],
};

/** What the consumer app prints. */
export interface PackageConsumerReport {
  app: {
    url: string;
    published: string;
    audited: string[];
    invalid: string;
    history: { status: number; body: { items: { message_id: string }[]; next_cursor: null } };
    cloudEventTypes: string[];
    channels: string[];
    asyncApiChannels: string[];
  };
  testing: { found: string; recorded: number; audited: string[] };
  redisWithoutIoredis: string;
}
