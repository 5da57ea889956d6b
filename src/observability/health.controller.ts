import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { EventBusHealthIndicator } from './event-bus.health.js';

/** Liveness and readiness probes; open without an API key. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly bus: EventBusHealthIndicator,
  ) {}

  /** Liveness: the process answers HTTP. */
  @Get()
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** Readiness: listeners are bound and the transport is reachable; 503 otherwise. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.bus.isReady('event_bus')]);
  }
}
