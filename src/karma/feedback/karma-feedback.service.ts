import { Injectable } from '@nestjs/common';
import {
  EventBusService,
  type EnvelopeMetadata,
  type KarmaFeedbackPayload,
} from '../../event-bus/index.js';
import { computeInfluence, type KarmaAction } from './influence.model.js';

/** An influence computation as returned to callers: the payload plus the message id. */
export interface InfluenceReport extends KarmaFeedbackPayload {
  message_id: string;
}

/** The karma feedback engine: computes influence and publishes each result on `karma.feedback`. */
@Injectable()
export class KarmaFeedbackService {
  constructor(private readonly bus: EventBusService) {}

  /**
   * Computes a user's influence and publishes exactly one `karma.feedback` message with it.
   * @param userId the user the actions belong to
   * @param actions recent actions of the user
   * @param asOf the instant decay is measured at
   * @param metadata context for the published message, such as a correlation id
   */
  async computeInfluence(
    userId: string,
    actions: readonly KarmaAction[],
    asOf: Date,
    metadata: EnvelopeMetadata = {},
  ): Promise<InfluenceReport> {
    const result = computeInfluence(actions, asOf);
    const payload: KarmaFeedbackPayload = {
      user_id: userId,
      score: result.score,
      influence: result.influence,
      signal: result.signal,
      band: result.band,
      action_count: result.actionCount,
      as_of: asOf.toISOString(),
    };

    const envelope = await this.bus.publishFeedback(payload, {
      source: 'karma-feedback',
      ...metadata,
    });
    return { ...payload, message_id: envelope.message_id };
  }
}
