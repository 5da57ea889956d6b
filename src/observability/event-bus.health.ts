import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { EventBusService } from '../event-bus/index.js';

/** Reports whether the bus can take and deliver messages. */
@Injectable()
export class EventBusHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly bus: EventBusService,
  ) {}

  async isReady(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    const status = await this.bus.status();
    const details = {
      transport: status.transport,
      listeners_bound: status.listenersBound,
      transport_reachable: status.transportReachable,
      accepting_publishes: status.accepting,
    };
    const ready = status.listenersBound && status.transportReachable && status.accepting;
    return ready ? indicator.up(details) : indicator.down(details);
  }
}
