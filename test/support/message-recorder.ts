import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { Envelope, EventBusService, Subscription } from '../../src/event-bus/index.js';
import { formatSchemaErrors, schemaErrors } from './event-bus-schema.js';

/** Records every message of every channel, in delivery order, and checks each against the schema. */
export class MessageRecorder {
  readonly messages: Envelope[] = [];
  private subscription: Subscription | undefined;

  constructor(private readonly ajv: Ajv2020) {}

  /** Subscribes to every channel of a bus. */
  attach(bus: EventBusService): void {
    this.subscription = bus.subscribeAll((message) => this.messages.push(message), {
      name: 'MessageRecorder',
    });
  }

  detach(): void {
    this.subscription?.unsubscribe();
  }

  /** Messages recorded on one channel. */
  onChannel(channel: string): Envelope[] {
    return this.messages.filter((message) => message.channel === channel);
  }

  /** Ids of the messages recorded, optionally on one channel only. */
  ids(channel?: string): string[] {
    const messages = channel === undefined ? this.messages : this.onChannel(channel);
    return messages.map((message) => message.message_id);
  }

  /** Describes each recorded message that does not match `schemas/event_bus.json`. */
  schemaViolations(): string[] {
    return this.messages.flatMap((message) => {
      const errors = schemaErrors(this.ajv, JSON.parse(JSON.stringify(message)));
      if (errors.length === 0) {
        return [];
      }
      return [`${message.channel} ${message.message_id}:\n${formatSchemaErrors(errors)}`];
    });
  }
}
