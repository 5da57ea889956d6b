import 'reflect-metadata';
import type { DynamicModule, INestApplicationContext, Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  EventBusModule,
  EventBusService,
  type EventBusModuleOptions,
} from '../../src/event-bus/index.js';
import { BENCH_CHANNELS } from './bench-channels.js';

/** A bus in an application context of its own, as an app would run it. */
export interface BusContext {
  app: INestApplicationContext;
  bus: EventBusService;
}

/** Options of {@link createBusContext}. */
export interface BusContextOptions {
  /** Bus options; the bench channels are always registered. */
  busOptions?: Omit<EventBusModuleOptions, 'channels'>;
  /** Providers next to the bus, such as a class with `@OnChannel` methods. */
  providers?: Provider[];
  /** Serves the bus's `/events` routes. @default false */
  http?: boolean;
}

/**
 * Builds the root module of a bench app: the bus with the bench channels (without its HTTP
 * routes unless asked) and the given providers. Each call declares a new class, so apps share
 * nothing.
 */
export function benchRootModule(options: BusContextOptions = {}): DynamicModule {
  class BenchRootModule {}
  return {
    module: BenchRootModule,
    imports: [
      EventBusModule.forRoot({
        ...options.busOptions,
        channels: BENCH_CHANNELS,
        http: options.http ?? false,
      }),
    ],
    providers: options.providers ?? [],
  };
}

/** Creates and initialises (bootstrap hooks included) an application context with one bus. */
export async function createBusContext(options: BusContextOptions = {}): Promise<BusContext> {
  const app = await NestFactory.createApplicationContext(benchRootModule(options), {
    abortOnError: false,
  });
  await app.init();
  return { app, bus: app.get(EventBusService) };
}
