import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { ContextIdFactory, DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import type { Envelope } from '../envelope/envelope.interface.js';
import { isAsyncFunction } from '../context/message-context.js';
import { EventBusCore } from '../event-bus.core.js';
import { logEntry } from '../logging/log-entry.js';
import { EventBusService } from '../event-bus.service.js';
import type { MessageHandler, Subscription } from '../interfaces/subscription.interface.js';
import { OnChannelMetadataAccessor } from './on-channel-metadata.accessor.js';

type ListenerMethod = (envelope: Envelope) => unknown;

/**
 * Finds `@OnChannel` methods on every provider and controller at bootstrap and subscribes them,
 * then opens delivery, so messages published earlier reach them in order.
 */
@Injectable()
export class ChannelListenersExplorer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('EventBus');
  private readonly subscriptions: Subscription[] = [];
  private readonly bound = new WeakMap<object, Set<string>>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: OnChannelMetadataAccessor,
    private readonly moduleRef: ModuleRef,
    private readonly bus: EventBusService,
    private readonly core: EventBusCore,
  ) {}

  onApplicationBootstrap(): void {
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    for (const wrapper of wrappers) {
      if (!wrapper.isAlias) {
        this.bindWrapper(wrapper);
      }
    }

    this.logger.log(`Bound ${this.subscriptions.length} channel listener(s)`);
    this.core.dispatcher.open();
  }

  onModuleDestroy(): void {
    for (const subscription of this.subscriptions.splice(0)) {
      subscription.unsubscribe();
    }
  }

  private bindWrapper(wrapper: InstanceWrapper): void {
    const instance = wrapper.instance as object | undefined;
    const prototype = (instance ? Object.getPrototypeOf(instance) : wrapper.metatype?.prototype) as
      object | null | undefined;
    if (!prototype || typeof prototype !== 'object') {
      return;
    }
    const className = (prototype.constructor as { name?: string }).name ?? 'Anonymous';

    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const method = (prototype as Record<string, unknown>)[methodName];
      for (const { channel, options } of this.accessor.getListeners(method)) {
        const name = options.name ?? `${className}.${methodName}`;
        const key = instance ?? prototype;
        if (this.markBound(key, methodName, channel)) {
          const handler = wrapper.isDependencyTreeStatic()
            ? this.staticHandler(instance as object, methodName)
            : this.requestScopedHandler(wrapper, methodName);
          this.subscriptions.push(
            this.bus.subscribe(channel as never, handler, { ...options, name }),
          );
          const text = `${name} -> ${channel}${options.group ? ` (group ${options.group})` : ''}`;
          this.logger.log(logEntry(this.core.logFormat, text, { channel, listener: name }));
        }
      }
    }
  }

  /** Records (instance, method, channel) and returns false when it was bound already. */
  private markBound(instance: object, methodName: string, channel: string): boolean {
    let keys = this.bound.get(instance);
    if (keys === undefined) {
      keys = new Set();
      this.bound.set(instance, keys);
    }
    const key = `${methodName}\u0000${channel}`;
    if (keys.has(key)) {
      return false;
    }
    keys.add(key);
    return true;
  }

  /** Binds the method; an `async` method gets an `async` wrapper, so its context follows awaits. */
  private staticHandler(instance: object, methodName: string): MessageHandler {
    const method = (instance as Record<string, ListenerMethod>)[methodName];
    return isAsyncFunction(method)
      ? async (envelope) => await method.call(instance, envelope)
      : (envelope) => method.call(instance, envelope);
  }

  /** Resolves a fresh instance of a request-scoped provider for each message. */
  private requestScopedHandler(wrapper: InstanceWrapper, methodName: string): MessageHandler {
    return async (envelope) => {
      const contextId = ContextIdFactory.create();
      this.moduleRef.registerRequestByContextId(envelope, contextId);
      const instance = await this.moduleRef.resolve<object>(wrapper.token, contextId, {
        strict: false,
      });
      return (instance as Record<string, ListenerMethod>)[methodName](envelope);
    };
  }
}
