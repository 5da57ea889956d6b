import { Controller, Get, Header } from '@nestjs/common';
import { EventBusService } from '../event-bus/index.js';

/** Prometheus metrics of the bus; open without an API key, like the health probes. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly bus: EventBusService) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.bus.metrics();
  }
}
