import { Controller, Get, Header } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { EventBusService } from '../event-bus/index.js';

/** Prometheus metrics of the bus; open without an API key, like the health probes. */
@Controller('metrics')
@SkipThrottle()
export class MetricsController {
  constructor(private readonly bus: EventBusService) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.bus.metrics();
  }
}
