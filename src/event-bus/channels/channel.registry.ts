import { CHANNEL_NAME_PATTERN } from '../event-bus.constants.js';
import { InvalidChannelDefinitionException } from '../exceptions/invalid-channel-definition.exception.js';
import { UnknownChannelException } from '../exceptions/unknown-channel.exception.js';
import type { ChannelDefinition } from '../interfaces/channel-definition.interface.js';
import type { PayloadCheck, PayloadValidator } from '../validation/payload-validator.js';

/** A channel known to one bus, with its compiled payload check. */
export interface RegisteredChannel {
  readonly name: string;
  readonly description?: string;
  /** Absent when the channel accepts any JSON payload. */
  readonly check?: PayloadCheck;
}

/** The set of channels one bus accepts; unknown names are rejected, never created on the fly. */
export class ChannelRegistry {
  private readonly channels = new Map<string, RegisteredChannel>();

  constructor(definitions: readonly ChannelDefinition[], validator: PayloadValidator) {
    for (const definition of definitions) {
      this.register(definition, validator);
    }
  }

  /** Names of every registered channel, in registration order. */
  names(): string[] {
    return [...this.channels.keys()];
  }

  has(name: string): boolean {
    return this.channels.has(name);
  }

  /**
   * Returns a registered channel.
   * @throws UnknownChannelException when no channel has this name
   */
  get(name: string): RegisteredChannel {
    const channel = this.channels.get(name);
    if (channel === undefined) {
      throw new UnknownChannelException(name, this.names());
    }
    return channel;
  }

  private register(definition: ChannelDefinition, validator: PayloadValidator): void {
    const { name, schema, description } = definition;
    if (typeof name !== 'string' || !CHANNEL_NAME_PATTERN.test(name)) {
      throw new InvalidChannelDefinitionException(
        String(name),
        'a name needs two or more dot-separated lowercase segments, such as "orders.created"',
      );
    }
    if (this.channels.has(name)) {
      throw new InvalidChannelDefinitionException(name, 'the channel is registered twice');
    }

    let check: PayloadCheck | undefined;
    try {
      check = schema === undefined ? undefined : validator.compile(schema);
    } catch (error) {
      throw new InvalidChannelDefinitionException(
        name,
        `its schema does not compile: ${(error as Error).message}`,
      );
    }
    this.channels.set(name, { name, description, check });
  }
}
