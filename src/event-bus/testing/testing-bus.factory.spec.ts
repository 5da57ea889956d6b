import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import type { ChannelEnvelope } from '../channels/channel-map.interface.js';
import type { KarmaLifecyclePayload } from '../channels/karma.channels.js';
import { OnChannel } from '../decorators/on-channel.decorator.js';
import { EventBusService } from '../event-bus.service.js';
import { BusShuttingDownException } from '../exceptions/bus-shutting-down.exception.js';
import { InvalidPayloadException } from '../exceptions/invalid-payload.exception.js';
import { createTestingBus, type TestingBus } from './testing-bus.factory.js';

function birth(userId: string): KarmaLifecyclePayload {
  return { user_id: userId, event: 'birth', occurred_at: '2026-12-01T12:00:00.000Z' };
}

/** Publishes one birth while the module initialises, before listeners are bound. */
@Injectable()
class StartupPublisher implements OnModuleInit {
  constructor(private readonly bus: EventBusService) {}

  async onModuleInit(): Promise<void> {
    await this.bus.publishLifecycle(birth('from-init'));
  }
}

/** Finishes each message only when the test calls `release()`. */
@Injectable()
class SlowListener {
  readonly finished: string[] = [];
  private releases: (() => void)[] = [];

  @OnChannel('karma.lifecycle')
  async onLifecycle(message: ChannelEnvelope<'karma.lifecycle'>): Promise<void> {
    await new Promise<void>((resolve) => this.releases.push(resolve));
    this.finished.push(message.payload.user_id);
  }

  release(): void {
    this.releases.splice(0).forEach((resolve) => resolve());
  }
}

@Module({ providers: [SlowListener] })
class SlowModule {}

@Injectable()
class FailingInit implements OnModuleInit {
  onModuleInit(): void {
    throw new Error('init failed on purpose');
  }
}

describe('createTestingBus()', () => {
  let testing: TestingBus | undefined;

  afterEach(async () => {
    await testing?.close();
    testing = undefined;
  });

  it('records messages from start-up', async () => {
    testing = await createTestingBus({ providers: [StartupPublisher] });

    const [first] = testing.recorder.list();

    expect(first.channel).toBe('karma.lifecycle');
    expect((first.payload as KarmaLifecyclePayload).user_id).toBe('from-init');
  });

  it('binds listeners of imported modules', async () => {
    testing = await createTestingBus({ imports: [SlowModule] });

    const published = await testing.bus.publishLifecycle(birth('user-1'));
    testing.moduleRef.get(SlowListener).release();
    await testing.idle();

    expect(testing.moduleRef.get(SlowListener).finished).toEqual([published.payload.user_id]);
  });

  it('registers the given channels', async () => {
    testing = await createTestingBus({
      bus: {
        channels: [{ name: 'orders.created', schema: { type: 'object', required: ['order_id'] } }],
      },
    });
    const bus = testing.bus as unknown as EventBusService<{ 'orders.created': object }>;

    await bus.publish('orders.created', { order_id: 'o-1' });

    await expect(bus.publish('orders.created', {})).rejects.toThrow(InvalidPayloadException);
    expect(testing.recorder.list().map((message) => message.channel)).toEqual(['orders.created']);
  });

  describe('idle()', () => {
    it('waits for running handlers', async () => {
      testing = await createTestingBus({ providers: [SlowListener] });
      const listener = testing.moduleRef.get(SlowListener);
      await testing.bus.publishLifecycle(birth('user-1'));
      let idle = false;

      const settled = testing.idle().then(() => (idle = true));
      await Promise.resolve();
      expect(idle).toBe(false);
      listener.release();
      await settled;

      expect(listener.finished).toEqual(['user-1']);
    });
  });

  describe('close()', () => {
    it('stops the bus', async () => {
      testing = await createTestingBus();
      const { bus } = testing;
      const waiting = testing.waitFor('karma.feedback');

      await testing.close();
      await testing.close();

      await expect(waiting).rejects.toThrow('The recorder was detached');
      await expect(bus.publishLifecycle(birth('user-1'))).rejects.toThrow(BusShuttingDownException);
    });
  });

  describe('when start-up fails', () => {
    it('rejects with the error', async () => {
      await expect(createTestingBus({ providers: [FailingInit] })).rejects.toThrow(
        'init failed on purpose',
      );
    });
  });
});
