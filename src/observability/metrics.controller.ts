import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EventBusService } from '../event-bus/index.js';

/** Prometheus metrics of the bus; open without an API key, like the health probes. */
@Controller('metrics')
@ApiTags('metrics')
export class MetricsController {
  constructor(private readonly bus: EventBusService) {}

  @Get()
  @ApiOperation({ summary: 'Read the Prometheus metrics of the bus' })
  @ApiOkResponse({
    description: 'Prometheus text exposition format 0.0.4; metric names start with event_bus_.',
    content: {
      'text/plain': {
        schema: { type: 'string' },
        example:
          '# HELP event_bus_messages_published_total Messages published, per channel\n' +
          '# TYPE event_bus_messages_published_total counter\n' +
          'event_bus_messages_published_total{channel="karma.feedback"} 1\n',
      },
    },
  })
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.bus.metrics();
  }
}
