import { Injectable } from '@nestjs/common';
import {
  EventBusService,
  type ChannelEnvelope,
  type EnvelopeMetadata,
  type KarmaLifecyclePayload,
} from '../../event-bus/index.js';

/** The user lifecycle engine: publishes births, deaths, role changes and the like. */
@Injectable()
export class KarmaLifecycleService {
  constructor(private readonly bus: EventBusService) {}

  /** Publishes one lifecycle event on `karma.lifecycle` and returns its envelope. */
  record(
    event: KarmaLifecyclePayload,
    metadata: EnvelopeMetadata = {},
  ): Promise<ChannelEnvelope<'karma.lifecycle'>> {
    return this.bus.publishLifecycle(event, { source: 'karma-lifecycle', ...metadata });
  }
}
