import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { eventBusOptionsFromEnv } from './config/event-bus-options.factory.js';
import { readServiceEnv, validateServiceEnv, type ServiceEnv } from './config/service-env.js';
import { DashboardModule } from './dashboard/index.js';
import { EventBusModule } from './event-bus/index.js';
import { KarmaModule } from './karma/index.js';
import { ObservabilityModule } from './observability/observability.module.js';

/**
 * The KarmaChain event bus service: validated settings, the bus (global, with its WebSocket
 * gateway), the karma domain on top of it, health and metrics, the dashboard, and rate limiting
 * of every route.
 */
@Module({
  imports: [
    // The settings are read when each app is built, not when this file is imported, so tests can
    // build apps with different environments in one process.
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true,
      skipProcessEnv: true,
      load: [() => validateServiceEnv(process.env)],
    }),
    EventBusModule.forRootAsync({
      isGlobal: true,
      websocket: true,
      inject: [ConfigService],
      useFactory: (config: ConfigService<ServiceEnv, true>) =>
        eventBusOptionsFromEnv(readServiceEnv(config)),
    }),
    ThrottlerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<ServiceEnv, true>) => [
        {
          ttl: config.get('EVENT_BUS_RATE_WINDOW_MS', { infer: true }),
          limit: config.get('EVENT_BUS_RATE_LIMIT', { infer: true }),
        },
      ],
    }),
    KarmaModule,
    ObservabilityModule,
    DashboardModule,
  ],
  providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],
})
export class AppModule {}
