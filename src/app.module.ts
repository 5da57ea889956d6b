import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { eventBusOptionsFromEnv } from './config/event-bus-options.factory.js';
import { readServiceEnv, validateServiceEnv, type ServiceEnv } from './config/service-env.js';
import { DashboardModule } from './dashboard/index.js';
import { EventBusModule } from './event-bus/index.js';
import { KarmaModule } from './karma/index.js';
import { ObservabilityModule } from './observability/observability.module.js';

/**
 * The KarmaChain event bus service: validated settings, the bus (global, with its WebSocket
 * gateway), the karma domain on top of it, health and metrics, and the dashboard. HTTP settings
 * such as rate limits are applied by `configureApp()`.
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
    KarmaModule,
    ObservabilityModule,
    DashboardModule,
  ],
})
export class AppModule {}
