import type { Provider } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  EVENT_BUS_EMITTER,
  EVENT_BUS_OPTIONS,
  EVENT_BUS_RESOLVED_OPTIONS,
  EVENT_BUS_TRANSPORT,
} from './event-bus.constants.js';
import { EventBusCore } from './event-bus.core.js';
import { resolveEventBusOptions, type ResolvedEventBusOptions } from './event-bus.options.js';
import type { EventBusModuleOptions } from './interfaces/event-bus-options.interface.js';
import type { EventBusTransport } from './transports/event-bus-transport.interface.js';
import { MemoryTransport } from './transports/memory.transport.js';

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
    useFactory: (options: ResolvedEventBusOptions): EventBusTransport =>
      new MemoryTransport(options.historyCapacity),
    inject: [EVENT_BUS_RESOLVED_OPTIONS],
  },
];
