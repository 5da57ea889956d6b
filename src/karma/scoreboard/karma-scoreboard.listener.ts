import { Injectable } from '@nestjs/common';
import { KARMA_FEEDBACK, OnChannel, type ChannelEnvelope } from '../../event-bus/index.js';

/** The latest score of a user as seen by this instance. */
export interface ScoreboardEntry {
  user_id: string;
  score: number;
  band: string;
  message_id: string;
  /** `karma.feedback` messages this instance received for the user. */
  updates: number;
}

/** Users kept; the least recently updated one is dropped beyond this. */
export const SCOREBOARD_CAPACITY = 10_000;

/**
 * Keeps the latest score per user on every instance: a broadcast listener, because each
 * instance serves reads from its own copy.
 */
@Injectable()
export class KarmaScoreboardListener {
  private readonly entries = new Map<string, ScoreboardEntry>();

  @OnChannel(KARMA_FEEDBACK)
  onFeedback(message: ChannelEnvelope<'karma.feedback'>): void {
    const { user_id, score, band } = message.payload;
    const updates = (this.entries.get(user_id)?.updates ?? 0) + 1;

    // Deleting first moves the user to the end of the Map's insertion order.
    this.entries.delete(user_id);
    this.entries.set(user_id, { user_id, score, band, message_id: message.message_id, updates });
    if (this.entries.size > SCOREBOARD_CAPACITY) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Returns the user's latest score, or undefined when this instance has seen none. */
  get(userId: string): ScoreboardEntry | undefined {
    return this.entries.get(userId);
  }
}
