import { jest } from '@jest/globals';
import {
  useBusHarness,
  FEEDBACK,
  LIFECYCLE,
  ANALYTICS,
  type TestChannels,
} from './__fixtures__/event-bus.fixtures.js';
import type { EventBusService } from './event-bus.service.js';
import { UnknownChannelException } from './exceptions/unknown-channel.exception.js';
import type { EventBusModuleOptions } from './interfaces/event-bus-options.interface.js';
import type { MessageHandler, Subscription } from './interfaces/subscription.interface.js';

describe('EventBusService: failing handlers', () => {
  const harness = useBusHarness();
  let bus: EventBusService<TestChannels>;
  const startBus = async (options?: EventBusModuleOptions) => (bus = await harness.start(options));

  describe('when a handler fails', () => {
    // NOTE: Jest gives each spec a sandboxed `process` whose `unhandledRejection` and
    // `uncaughtException` listeners never fire, so a spy there could not fail. An escaped
    // rejection fails the test through Jest's own handler; a throw escapes `publish()` itself.
    beforeEach(() => startBus());

    it('keeps delivering to the others', async () => {
      const thrown: Error[] = [];
      const rejected: Error[] = [];
      const recorded: string[] = [];
      const thrower = jest.fn<MessageHandler>(() => {
        const error = new Error('thrower failed');
        thrown.push(error);
        throw error;
      });
      const rejecter = jest.fn<MessageHandler>(() => {
        const error = new Error('rejecter failed');
        rejected.push(error);
        return Promise.reject(error);
      });
      const subscriptions: Subscription[] = [
        bus.subscribe('karma.feedback', thrower, { name: 'Thrower' }),
        bus.subscribe('karma.feedback', rejecter, { name: 'Rejecter' }),
        bus.subscribe('karma.feedback', (message) => recorded.push(message.message_id), {
          name: 'Recorder',
        }),
      ];

      const first = await bus.publish('karma.feedback', FEEDBACK);
      const second = await bus.publish('karma.feedback', { ...FEEDBACK, score: 12.5 });
      await bus.idle();

      expect(recorded).toEqual([first.message_id, second.message_id]);
      expect(thrower).toHaveBeenCalledTimes(2);
      expect(rejecter).toHaveBeenCalledTimes(2);
      expect(subscriptions.map((subscription) => subscription.active)).toEqual([true, true, true]);
      expect(await harness.storedIds()).toEqual([first.message_id, second.message_id]);
    });

    it('logs each failure once', async () => {
      const errorsByName = new Map<string, Error[]>([
        ['Thrower', []],
        ['Rejecter', []],
      ]);
      bus.subscribe(
        'karma.feedback',
        () => {
          const error = new Error('thrower failed');
          errorsByName.get('Thrower')?.push(error);
          throw error;
        },
        { name: 'Thrower' },
      );
      bus.subscribe(
        'karma.feedback',
        async () => {
          await Promise.resolve();
          const error = new Error('rejecter failed');
          errorsByName.get('Rejecter')?.push(error);
          throw error;
        },
        { name: 'Rejecter' },
      );

      const messages = [
        await bus.publish('karma.feedback', FEEDBACK),
        await bus.publish('karma.feedback', FEEDBACK),
      ];
      await bus.idle();

      const failures = harness.logger.errors();
      expect(failures).toHaveLength(4);
      for (const [name, errors] of errorsByName) {
        expect(errors).toHaveLength(2);
        messages.forEach((message, index) => {
          const matching = failures.filter(
            (entry) => entry.message.includes(name) && entry.message.includes(message.message_id),
          );
          expect(matching).toHaveLength(1);
          expect(matching[0].message).toContain('karma.feedback');
          expect(matching[0].message).toContain(errors[index].message);
          expect(matching[0].params).toEqual([errors[index].stack, 'EventBus']);
        });
      }
    });

    it('resolves publish despite failures', async () => {
      bus.subscribe('karma.feedback', () => {
        throw new Error('thrower failed');
      });
      bus.subscribe('karma.feedback', () => Promise.reject(new Error('rejecter failed')));

      await expect(bus.publish('karma.feedback', FEEDBACK)).resolves.toMatchObject({
        channel: 'karma.feedback',
      });
      await bus.idle();
    });

    it('logs non-Error throws', async () => {
      bus.subscribe(
        'karma.lifecycle',
        () => {
          throw 'plain text' as unknown as Error;
        },
        { name: 'Texter' },
      );

      const message = await bus.publish('karma.lifecycle', LIFECYCLE);

      expect(harness.logger.errors()).toEqual([
        {
          level: 'error',
          message: `Listener Texter failed on karma.lifecycle message ${message.message_id}: plain text`,
          params: [undefined, 'EventBus'],
        },
      ]);
    });

    it('counts failures per channel', async () => {
      bus.subscribe('karma.feedback', () => {
        throw new Error('thrower failed');
      });
      bus.subscribe('karma.feedback', () => Promise.reject(new Error('rejecter failed')));
      bus.subscribe('karma.lifecycle', () => undefined);

      await bus.publish('karma.feedback', FEEDBACK);
      await bus.publish('karma.feedback', FEEDBACK);
      await bus.publish('karma.lifecycle', LIFECYCLE);
      await bus.idle();

      const failed = Object.fromEntries(
        (await bus.channels()).map((info) => [info.name, info.failed]),
      );
      expect(failed).toEqual({
        'karma.feedback': 4,
        'karma.lifecycle': 0,
        'karma.analytics': 0,
        'orders.created': 0,
        'test.events': 0,
        'game.ping': 0,
        'game.pong': 0,
      });
    });
  });

  describe('when catch-all meets exact listeners', () => {
    beforeEach(() => startBus());

    it('delivers each exactly once', async () => {
      const feedback = jest.fn<MessageHandler>();
      const lifecycle = jest.fn<MessageHandler>();
      const everyChannel: string[] = [];
      bus.subscribe('karma.feedback', feedback);
      bus.subscribe('karma.lifecycle', lifecycle);
      bus.subscribeAll((message) => everyChannel.push(message.channel));

      const sent = [
        await bus.publish('karma.feedback', FEEDBACK),
        await bus.publish('karma.lifecycle', LIFECYCLE),
        await bus.publish('karma.analytics', ANALYTICS),
      ];

      expect(feedback).toHaveBeenCalledTimes(1);
      expect(feedback).toHaveBeenCalledWith(sent[0]);
      expect(lifecycle).toHaveBeenCalledTimes(1);
      expect(lifecycle).toHaveBeenCalledWith(sent[1]);
      expect(everyChannel).toEqual(['karma.feedback', 'karma.lifecycle', 'karma.analytics']);
    });

    it.each(['karma', 'karma.feedback.x', 'karma.feedbackx', 'KARMA.FEEDBACK'])(
      'rejects near name %p',
      async (channel) => {
        const feedback = jest.fn<MessageHandler>();
        const everyChannel = jest.fn<MessageHandler>();
        bus.subscribe('karma.feedback', feedback);
        bus.subscribeAll(everyChannel);

        await expect(bus.publish(channel as never, FEEDBACK as never)).rejects.toThrow(
          UnknownChannelException,
        );
        expect(() => bus.subscribe(channel as never, () => undefined)).toThrow(
          UnknownChannelException,
        );
        await expect(bus.history({ channel })).rejects.toMatchObject({ parameter: 'channel' });
        expect(feedback).not.toHaveBeenCalled();
        expect(everyChannel).not.toHaveBeenCalled();
      },
    );
  });
});
