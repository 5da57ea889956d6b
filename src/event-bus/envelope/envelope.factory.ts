import { randomUUID } from 'node:crypto';
import type { ChannelRegistry } from '../channels/channel.registry.js';
import { InvalidPayloadException } from '../exceptions/invalid-payload.exception.js';
import type { PayloadCheck } from '../validation/payload-validator.js';
import type { Envelope, EnvelopeMetadata } from './envelope.interface.js';
import { IsoClock } from './iso-clock.js';
import { JsonSnapshotError, snapshotJson } from './json-snapshot.js';

/** Builds validated, frozen envelopes. */
export class EnvelopeFactory {
  private readonly clock = new IsoClock();

  /**
   * @param registry the channels this bus accepts
   * @param checkMetadata the compiled metadata schema of `schemas/event_bus.json`
   * @param maxDepth the deepest nesting accepted in payloads and metadata
   * @param maxKeys the most keys of one object, or items of one array, accepted
   */
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly checkMetadata: PayloadCheck,
    private readonly maxDepth: number,
    private readonly maxKeys: number,
  ) {}

  /**
   * Validates a payload and its metadata and wraps them in a new frozen envelope.
   * @throws UnknownChannelException when the channel is not registered
   * @throws InvalidPayloadException naming the first invalid field
   */
  create(channel: string, payload: unknown, metadata?: EnvelopeMetadata): Envelope {
    const registered = this.registry.get(channel);

    const frozenPayload = this.snapshot(channel, payload, 'payload');
    const payloadIssue = registered.check?.(frozenPayload);
    if (payloadIssue !== undefined) {
      throw new InvalidPayloadException(channel, payloadIssue.field, payloadIssue.reason);
    }

    const message_id = randomUUID();
    const timestamp = this.clock.now();
    if (metadata === undefined) {
      return Object.freeze({ message_id, channel, payload: frozenPayload, timestamp });
    }

    const frozenMetadata = this.snapshotMetadata(channel, metadata);
    return Object.freeze({
      message_id,
      channel,
      payload: frozenPayload,
      timestamp,
      metadata: frozenMetadata,
    });
  }

  private snapshotMetadata(channel: string, metadata: EnvelopeMetadata): EnvelopeMetadata {
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new InvalidPayloadException(channel, 'metadata', 'must be an object');
    }

    const frozen = this.snapshot(channel, metadata, 'metadata') as EnvelopeMetadata;
    const issue = this.checkMetadata(frozen);
    if (issue !== undefined) {
      const field = issue.field.replace(/^payload/, 'metadata');
      throw new InvalidPayloadException(channel, field, issue.reason);
    }
    return frozen;
  }

  private snapshot(channel: string, value: unknown, root: string): unknown {
    try {
      return snapshotJson(value, root, this.maxDepth, this.maxKeys);
    } catch (error) {
      if (error instanceof JsonSnapshotError) {
        throw new InvalidPayloadException(channel, error.path, error.reason);
      }
      throw error;
    }
  }
}
