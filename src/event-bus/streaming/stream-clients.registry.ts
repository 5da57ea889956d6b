import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { EventBusCore } from '../event-bus.core.js';

/** A connected stream client that can be ended from outside. */
export interface StreamClient {
  /** Ends the stream, after a final event telling the client the service is shutting down. */
  end(): void;
}

/** Tracks connected stream clients, to count them and to end them at shutdown. */
@Injectable()
export class StreamClientsRegistry implements BeforeApplicationShutdown {
  private readonly clients = new Set<StreamClient>();

  constructor(core: EventBusCore) {
    core.metrics.addGauge(
      'event_bus_stream_clients',
      'SSE and WebSocket clients connected right now',
      [],
      () => Promise.resolve([{ labels: {}, value: this.clients.size }]),
    );
  }

  add(client: StreamClient): void {
    this.clients.add(client);
  }

  remove(client: StreamClient): void {
    this.clients.delete(client);
  }

  /** Stream clients connected right now. */
  get size(): number {
    return this.clients.size;
  }

  /** Ends every stream before the HTTP server closes, which would otherwise wait for them. */
  beforeApplicationShutdown(): void {
    for (const client of [...this.clients]) {
      client.end();
    }
    this.clients.clear();
  }
}
