import type { LoggerService, ModuleMetadata, Provider } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { EventBusChannels } from '../channels/channel-map.interface.js';
import { EventBusModule } from '../event-bus.module.js';
import { EventBusService } from '../event-bus.service.js';
import type { EventBusModuleOptions } from '../interfaces/event-bus-options.interface.js';
import { EventBusRecorder } from './event-bus.recorder.js';

/** Options of `createTestingBus()`. */
export interface TestingBusOptions {
  /** Options of `EventBusModule.forRoot()`, such as `channels`. @default {} (in memory) */
  bus?: EventBusModuleOptions;
  /** Modules built next to the bus, such as the module of the listeners under test. */
  imports?: ModuleMetadata['imports'];
  /** Providers built next to the bus, such as `@OnChannel` listeners. */
  providers?: Provider[];
  /** Logger of the testing module. @default Nest's default logger */
  logger?: LoggerService;
}

/** A started bus for tests, with a recorder attached before start-up. */
export interface TestingBus<M extends object = EventBusChannels> {
  /** The testing module: `moduleRef.get(MyListener)` returns your providers. */
  readonly moduleRef: TestingModule;
  readonly bus: EventBusService<M>;
  /** Every message delivered since before start-up. */
  readonly recorder: EventBusRecorder<M>;
  /** `recorder.waitFor()`: the first matching message, recorded or still to come. */
  readonly waitFor: EventBusRecorder<M>['waitFor'];
  /** Resolves once every handler promise, retry and dead-letter write has settled. */
  idle(): Promise<void>;
  /** Stops recording, rejects pending waits and closes the module. Later calls do nothing. */
  close(): Promise<void>;
}

/**
 * Builds and starts an `EventBusModule` for tests: global, without HTTP routes, on the in-memory
 * transport unless `options.bus` names another, with `@OnChannel` listeners bound.
 * @example
 * const testing = await createTestingBus({
 *   bus: { channels: [ORDERS_CREATED] },
 *   providers: [OrderMailer],
 * });
 * await testing.bus.publish('orders.created', { order_id: 'o-1', total_cents: 1250 });
 * const order = await testing.waitFor('orders.created', (m) => m.payload.order_id === 'o-1');
 * await testing.close();
 */
export async function createTestingBus<M extends object = EventBusChannels>(
  options: TestingBusOptions = {},
): Promise<TestingBus<M>> {
  const builder = Test.createTestingModule({
    imports: [
      EventBusModule.forRoot({ ...options.bus, isGlobal: true, http: false, websocket: false }),
      ...(options.imports ?? []),
    ],
    providers: options.providers ?? [],
  });
  if (options.logger !== undefined) {
    builder.setLogger(options.logger);
  }
  const moduleRef = await builder.compile();

  const bus = moduleRef.get<EventBusService<M>>(EventBusService);
  const recorder = new EventBusRecorder<M>().attach(bus);
  try {
    await moduleRef.init();
  } catch (error) {
    recorder.detach();
    await moduleRef.close();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    moduleRef,
    bus,
    recorder,
    waitFor: (channel, predicate, timeoutMs) => recorder.waitFor(channel, predicate, timeoutMs),
    idle: () => bus.idle(),
    close: () => {
      closing ??= (async () => {
        recorder.detach();
        await moduleRef.close();
      })();
      return closing;
    },
  };
}
