import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { CorrelationIdMiddleware } from './context/correlation-id.middleware.js';
import { DiscoveryModule } from '@nestjs/core';
import { ApiKeyGuard } from './auth/api-key.guard.js';
import { ApiKeyVerifier } from './auth/api-key.verifier.js';
import { ChannelListenersExplorer } from './discovery/channel-listeners.explorer.js';
import { OnChannelMetadataAccessor } from './discovery/on-channel-metadata.accessor.js';
import { EventBusConfigurableModule } from './event-bus.module-definition.js';
import { eventBusProviders } from './event-bus.providers.js';
import { EventBusLifecycle } from './event-bus.lifecycle.js';
import { EventBusService } from './event-bus.service.js';
import { StreamClientsRegistry } from './streaming/stream-clients.registry.js';

/**
 * The event bus: register it once with `forRoot()` or `forRootAsync()`, then inject
 * `EventBusService` and mark listeners with `@OnChannel`.
 * @example
 * @Module({ imports: [EventBusModule.forRoot({ historyCapacity: 5000, isGlobal: true })] })
 * export class AppModule {}
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    ...eventBusProviders,
    EventBusService,
    EventBusLifecycle,
    OnChannelMetadataAccessor,
    ChannelListenersExplorer,
    StreamClientsRegistry,
    ApiKeyVerifier,
    ApiKeyGuard,
  ],
  exports: [EventBusService, ApiKeyVerifier, ApiKeyGuard],
})
export class EventBusModule extends EventBusConfigurableModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorrelationIdMiddleware).forRoutes({ path: '*path', method: RequestMethod.ALL });
  }
}
