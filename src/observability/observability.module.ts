import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { EventBusHealthIndicator } from './event-bus.health.js';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';

/** Health probes at `/health` and `/health/ready`, and Prometheus metrics at `/metrics`. */
@Module({
  imports: [TerminusModule],
  controllers: [HealthController, MetricsController],
  providers: [EventBusHealthIndicator],
})
export class ObservabilityModule {}
