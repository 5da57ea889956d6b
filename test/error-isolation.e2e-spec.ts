import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import request from 'supertest';
import { KARMA_FEEDBACK, OnChannel, type ChannelEnvelope } from '../src/event-bus/index.js';
import { readHistory } from './support/http.js';
import { ProcessFailureSpy } from './support/process-failures.js';
import { closeTestApp, createTestApp, type TestApp } from './support/test-app.js';

@Injectable()
class ThrowingListener {
  readonly calls: string[] = [];

  @OnChannel(KARMA_FEEDBACK)
  onFeedback(message: ChannelEnvelope<'karma.feedback'>): void {
    this.calls.push(message.message_id);
    throw new Error('throwing listener failed on purpose');
  }
}

@Injectable()
class RejectingListener {
  readonly calls: string[] = [];

  @OnChannel(KARMA_FEEDBACK)
  onFeedback(message: ChannelEnvelope<'karma.feedback'>): Promise<void> {
    this.calls.push(message.message_id);
    return Promise.reject(new Error('rejecting listener failed on purpose'));
  }
}

/** Bound after the two failing listeners, so a failure that stopped delivery would starve it. */
@Injectable()
class RecordingListener {
  readonly calls: string[] = [];

  @OnChannel(KARMA_FEEDBACK)
  onFeedback(message: ChannelEnvelope<'karma.feedback'>): void {
    this.calls.push(message.message_id);
  }
}

@Module({ providers: [ThrowingListener, RejectingListener, RecordingListener] })
class FailingListenersModule {}

const INFLUENCE_REQUEST = {
  user_id: 'user-42',
  actions: [{ type: 'help', occurred_at: '2026-12-01T12:00:00Z', magnitude: 2 }],
  as_of: '2026-12-01T12:00:00Z',
};

describe('EventBusService (e2e)', () => {
  describe('when listeners fail', () => {
    let testApp: TestApp;
    let processFailures: ProcessFailureSpy;

    beforeEach(async () => {
      processFailures = new ProcessFailureSpy();
      processFailures.start();
      testApp = await createTestApp([FailingListenersModule]);
    });

    afterEach(async () => {
      try {
        await closeTestApp(testApp);
      } finally {
        processFailures.stop();
      }
      expect(processFailures.failures).toEqual([]);
    });

    async function postInfluence(): Promise<string> {
      const response = await request(testApp.http).post('/karma/influence').send(INFLUENCE_REQUEST);
      await testApp.bus.idle();

      expect(response.status).toBe(200);
      expect(response.body.score).toBe(76.85);
      return response.body.message_id as string;
    }

    function listenerErrors() {
      return testApp.logger.atLevel('error').filter((entry) => entry.params.at(-1) === 'EventBus');
    }

    it('binds the recording listener last', () => {
      const bindings = testApp.logger
        .atLevel('log')
        .map((entry) => String(entry.message))
        .filter((message) => /^(Throwing|Rejecting|Recording)Listener\./.test(message));

      expect(bindings).toEqual([
        'ThrowingListener.onFeedback -> karma.feedback',
        'RejectingListener.onFeedback -> karma.feedback',
        'RecordingListener.onFeedback -> karma.feedback',
      ]);
    });

    it('still returns 200', async () => {
      const messageId = await postInfluence();

      expect(testApp.app.get(ThrowingListener).calls).toEqual([messageId]);
      expect(testApp.app.get(RejectingListener).calls).toEqual([messageId]);
      expect(testApp.app.get(RecordingListener).calls).toEqual([messageId]);
    });

    it('still counts in analytics', async () => {
      const messageId = await postInfluence();

      const analytics = await request(testApp.http).get('/karma/analytics');
      expect(analytics.status).toBe(200);
      expect(analytics.body.totals.feedback_count).toBe(1);
      expect(analytics.body.totals.trigger_message_id).toBe(messageId);
      const summaries = testApp.recorder.onChannel('karma.analytics');
      expect(summaries.map((summary) => summary.metadata?.causation_id)).toEqual([messageId]);
    });

    it('still stores the message', async () => {
      const messageId = await postInfluence();

      const page = await readHistory(testApp.http, 'channel=karma.feedback');
      expect(page.items.map((item) => item.message_id)).toEqual([messageId]);
    });

    it('counts both failures', async () => {
      await postInfluence();

      const response = await request(testApp.http).get('/events/channels');
      expect(response.status).toBe(200);
      const failed = Object.fromEntries(
        (response.body.items as { name: string; failed: number }[]).map((item) => [
          item.name,
          item.failed,
        ]),
      );
      expect(failed).toEqual({ 'karma.feedback': 2, 'karma.lifecycle': 0, 'karma.analytics': 0 });
    });

    it('logs each failure once', async () => {
      const messageId = await postInfluence();

      const errors = listenerErrors();
      expect(errors.map((entry) => entry.message)).toEqual([
        `Listener ThrowingListener.onFeedback failed on karma.feedback message ${messageId}: ` +
          'throwing listener failed on purpose',
        `Listener RejectingListener.onFeedback failed on karma.feedback message ${messageId}: ` +
          'rejecting listener failed on purpose',
      ]);
      expect(errors[0].params[0]).toEqual(
        expect.stringContaining('Error: throwing listener failed on purpose\n    at '),
      );
      expect(errors[1].params[0]).toEqual(
        expect.stringContaining('Error: rejecting listener failed on purpose\n    at '),
      );
    });

    it('keeps every listener subscribed', async () => {
      const first = await postInfluence();
      const second = await postInfluence();

      expect(testApp.app.get(ThrowingListener).calls).toEqual([first, second]);
      expect(testApp.app.get(RejectingListener).calls).toEqual([first, second]);
      expect(testApp.app.get(RecordingListener).calls).toEqual([first, second]);
      expect(testApp.recorder.ids('karma.feedback')).toEqual([first, second]);
      const analytics = await request(testApp.http).get('/karma/analytics');
      expect(analytics.body.totals.feedback_count).toBe(2);
      const channels = await request(testApp.http).get('/events/channels');
      expect(channels.body.items[0]).toEqual({
        name: 'karma.feedback',
        description: 'Influence results of the karma feedback engine',
        published: 2,
        in_history: 2,
        // Analytics, scoreboard, the three listeners above and the test recorder.
        subscribers: 6,
        failed: 4,
      });
      expect(listenerErrors()).toHaveLength(4);
    });

    it('never rejects a direct publish', async () => {
      const envelope = await testApp.bus.publishFeedback({
        user_id: 'user-9',
        score: 50,
        influence: 0,
        signal: 'neutral',
        band: 'neutral',
        action_count: 0,
        as_of: '2026-12-01T12:00:00.000Z',
      });
      await testApp.bus.idle();

      expect(testApp.app.get(RecordingListener).calls).toEqual([envelope.message_id]);
      expect(listenerErrors()).toHaveLength(2);
    });
  });
});
