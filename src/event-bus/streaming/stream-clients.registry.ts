import { Injectable, type OnApplicationShutdown } from '@nestjs/common';

/** A connected stream client that can be ended from outside. */
export interface StreamClient {
  /** Ends the stream, after a final event telling the client the service is shutting down. */
  end(): void;
}

/** Tracks connected stream clients, to count them and to end them at shutdown. */
@Injectable()
export class StreamClientsRegistry implements OnApplicationShutdown {
  private readonly clients = new Set<StreamClient>();

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

  onApplicationShutdown(): void {
    for (const client of [...this.clients]) {
      client.end();
    }
    this.clients.clear();
  }
}
