import type { Provider } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  EVENT_BUS_EMITTER,
  EVENT_BUS_OPTIONS,
  EVENT_BUS_RESOLVED_OPTIONS,
  EVENT_BUS_TRANSPORT,
  DEFAULT_DEAD_LETTER_CAPACITY,
} from './event-bus.constants.js';
import { EventBusCore } from './event-bus.core.js';
import { resolveEventBusOptions, type ResolvedEventBusOptions } from './event-bus.options.js';
import type { EventBusModuleOptions } from './interfaces/event-bus-options.interface.js';
import type { EventBusTransport } from './transports/event-bus-transport.interface.js';
import { MemoryTransport } from './transports/memory.transport.js';
import { loadRedisStreamsTransport } from './transports/redis/redis-transport.loader.js';

async function createTransport(
  options: ResolvedEventBusOptions,
  core: EventBusCore,
): Promise<EventBusTransport> {
  const { transport } = options;
  if (transport.type === 'redis') {
    const RedisStreamsTransport = await loadRedisStreamsTransport();
    return new RedisStreamsTransport(transport, core.registry.names(), core.failures, core.metrics);
  }
  return new MemoryTransport(options.historyCapacity, DEFAULT_DEAD_LETTER_CAPACITY);
}

/** Providers built from the module options; each module instance gets its own. */
export const eventBusProviders: Provider[] = [
  {
    provide: EVENT_BUS_RESOLVED_OPTIONS,
    useFactory: (options: EventBusModuleOptions) => resolveEventBusOptions(options),
    inject: [EVENT_BUS_OPTIONS],
  },
  {
    provide: EVENT_BUS_EMITTER,
    useFactory: (options: ResolvedEventBusOptions) =>
      new EventEmitter2({ maxListeners: options.maxListenersPerChannel }),
    inject: [EVENT_BUS_RESOLVED_OPTIONS],
  },
  {
    provide: EventBusCore,
    useFactory: (options: ResolvedEventBusOptions, emitter: EventEmitter2) =>
      new EventBusCore(options, emitter),
    inject: [EVENT_BUS_RESOLVED_OPTIONS, EVENT_BUS_EMITTER],
  },
  {
    provide: EVENT_BUS_TRANSPORT,
    useFactory: createTransport,
    inject: [EVENT_BUS_RESOLVED_OPTIONS, EventBusCore],
  },
];
