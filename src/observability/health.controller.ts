import { Controller, Get } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';

/** OpenAPI schema of a health check result, as @nestjs/terminus returns it. */
const HEALTH_RESULT_SCHEMA = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['ok', 'error', 'shutting_down'] },
    info: { type: 'object', additionalProperties: true, nullable: true },
    error: { type: 'object', additionalProperties: true, nullable: true },
    details: { type: 'object', additionalProperties: true },
  },
};

const READY_EXAMPLE = {
  status: 'ok',
  info: {
    event_bus: {
      status: 'up',
      transport: 'memory',
      listeners_bound: true,
      transport_reachable: true,
      accepting_publishes: true,
    },
  },
  error: {},
  details: {
    event_bus: {
      status: 'up',
      transport: 'memory',
      listeners_bound: true,
      transport_reachable: true,
      accepting_publishes: true,
    },
  },
};
import { EventBusHealthIndicator } from './event-bus.health.js';

/** Liveness and readiness probes; open without an API key. */
@Controller('health')
@ApiTags('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly bus: EventBusHealthIndicator,
  ) {}

  /** Liveness: the process responds to HTTP. */
  @Get()
  @ApiOperation({ summary: 'Liveness: the process answers HTTP' })
  @ApiOkResponse({
    schema: HEALTH_RESULT_SCHEMA,
    example: { status: 'ok', info: {}, error: {}, details: {} },
  })
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** Readiness: listeners are bound and the transport is reachable; 503 otherwise. */
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: listeners are bound and the transport is reachable' })
  @ApiOkResponse({ schema: HEALTH_RESULT_SCHEMA, example: READY_EXAMPLE })
  @ApiServiceUnavailableResponse({
    description: 'Not ready. The event_bus entry of error gives the reason.',
    schema: HEALTH_RESULT_SCHEMA,
  })
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.bus.isReady('event_bus')]);
  }
}
