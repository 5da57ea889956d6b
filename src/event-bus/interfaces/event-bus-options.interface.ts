import type { ChannelDefinition } from './channel-definition.interface.js';

/** Transport that keeps messages in this process only. */
export interface MemoryTransportOptions {
  type: 'memory';
}

/** Options of `EventBusModule.forRoot()` and of the factory given to `forRootAsync()`. */
export interface EventBusModuleOptions {
  /** Where messages are stored and carried. @default { type: 'memory' } */
  transport?: MemoryTransportOptions;
  /** Channels added to the built-in `karma.*` channels. @default [] */
  channels?: ChannelDefinition[];
  /** Messages kept in history per channel; older ones are evicted. @default 1000 */
  historyCapacity?: number;
  /** Deepest nesting of objects and arrays accepted in a payload or its metadata. @default 32 */
  maxPayloadDepth?: number;
  /** Listeners per channel above which EventEmitter2 warns of a possible leak. @default 100 */
  maxListenersPerChannel?: number;
}

/** Options that `EventBusModule.forRoot()` takes outside the factory, in both forms. */
export interface EventBusModuleExtras {
  /** Registers the module globally, so other modules inject the bus without importing it. */
  isGlobal: boolean;
  /** Serves the `/events` REST routes from this module. */
  http: boolean;
}
