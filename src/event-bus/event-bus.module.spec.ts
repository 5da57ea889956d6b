import {
  type ConfigurableModuleOptionsFactory,
  Injectable,
  type INestApplication,
  type LoggerService,
  Module,
  type ModuleMetadata,
} from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import request from 'supertest';
import { EventBusModule } from './event-bus.module.js';
import { EventBusService } from './event-bus.service.js';
import type { EventBusModuleOptions } from './interfaces/event-bus-options.interface.js';

const SETTINGS = Symbol('SETTINGS');

interface Settings {
  capacity: number;
}

@Module({ providers: [{ provide: SETTINGS, useValue: { capacity: 3 } }], exports: [SETTINGS] })
class SettingsModule {}

/** Options factory for `useClass` and `useExisting` that counts its calls. */
@Injectable()
class BusOptionsFactory implements ConfigurableModuleOptionsFactory<
  EventBusModuleOptions,
  'create'
> {
  calls = 0;

  create(): EventBusModuleOptions {
    this.calls++;
    return { historyCapacity: 4, channels: [{ name: 'orders.created' }] };
  }
}

@Module({ providers: [BusOptionsFactory], exports: [BusOptionsFactory] })
class BusOptionsModule {}

/** A provider in a module that does not import EventBusModule. */
@Injectable()
class BusConsumer {
  constructor(readonly bus: EventBusService) {}
}

@Module({ providers: [BusConsumer] })
class UnrelatedModule {}

/** A logger that drops every line, so start-up output does not clutter the test report. */
class SilentLogger implements LoggerService {
  log(): void {}

  warn(): void {}

  error(): void {}
}

describe('EventBusModule', () => {
  const openModules: TestingModule[] = [];
  let moduleRef: TestingModule | undefined;
  let app: INestApplication | undefined;

  async function compileModule(imports: NonNullable<ModuleMetadata['imports']>) {
    const compiled = await Test.createTestingModule({ imports })
      .setLogger(new SilentLogger())
      .compile();
    openModules.push(compiled);
    return compiled;
  }

  async function startModule(imports: NonNullable<ModuleMetadata['imports']>) {
    moduleRef = await compileModule(imports);
    await moduleRef.init();
    return moduleRef;
  }

  /** Publishes `count` messages on a channel and returns how many history keeps. */
  async function retainedAfter(count: number, channel = 'karma.lifecycle'): Promise<number> {
    const bus = moduleRef?.get(EventBusService) as EventBusService<Record<string, unknown>>;
    for (let index = 0; index < count; index++) {
      await bus.publish(
        channel,
        channel === 'karma.lifecycle'
          ? { user_id: `user-${index}`, event: 'birth', occurred_at: '2026-12-01T12:00:00.000Z' }
          : { index },
      );
    }
    const infos = await bus.channels();
    return infos.find((info) => info.name === channel)?.in_history ?? -1;
  }

  afterEach(async () => {
    await app?.close();
    for (const compiled of openModules.splice(0)) {
      await compiled.close();
    }
    app = undefined;
    moduleRef = undefined;
  });

  describe('forRoot()', () => {
    it('applies the given options', async () => {
      await startModule([
        EventBusModule.forRoot({ historyCapacity: 2, channels: [{ name: 'orders.created' }] }),
      ]);

      expect(await retainedAfter(5)).toBe(2);
      expect(await retainedAfter(5, 'orders.created')).toBe(2);
    });

    it('applies defaults without options', async () => {
      await startModule([EventBusModule.forRoot({})]);

      expect(await retainedAfter(1_001)).toBe(1_000);
    });
  });

  describe('forRootAsync()', () => {
    it('builds options with useFactory', async () => {
      await startModule([
        EventBusModule.forRootAsync({
          imports: [SettingsModule],
          inject: [SETTINGS],
          useFactory: async (settings: Settings) => {
            await Promise.resolve();
            return { historyCapacity: settings.capacity };
          },
        }),
      ]);

      expect(await retainedAfter(5)).toBe(3);
    });

    it('builds options with useClass', async () => {
      await startModule([EventBusModule.forRootAsync({ useClass: BusOptionsFactory })]);

      expect(await retainedAfter(6)).toBe(4);
      expect(await retainedAfter(6, 'orders.created')).toBe(4);
    });

    it('builds options with useExisting', async () => {
      const started = await startModule([
        BusOptionsModule,
        EventBusModule.forRootAsync({
          imports: [BusOptionsModule],
          useExisting: BusOptionsFactory,
        }),
      ]);

      expect(await retainedAfter(6, 'orders.created')).toBe(4);
      expect(started.get(BusOptionsFactory).calls).toBe(1);
    });

    it('fails start-up on invalid factory options', async () => {
      const compiling = Test.createTestingModule({
        imports: [EventBusModule.forRootAsync({ useFactory: () => ({ historyCapacity: 0 }) })],
      })
        .setLogger(new SilentLogger())
        .compile();

      await expect(compiling).rejects.toThrow(
        'Invalid event bus option historyCapacity=0; allowed: an integer of at least 1.',
      );
    });
  });

  describe('when isGlobal is true', () => {
    it.each([
      ['forRoot()', () => EventBusModule.forRoot({ isGlobal: true, http: false })],
      [
        'forRootAsync()',
        () => EventBusModule.forRootAsync({ isGlobal: true, http: false, useFactory: () => ({}) }),
      ],
    ])('injects into unrelated modules (%s)', async (_path, register) => {
      const started = await startModule([register(), UnrelatedModule]);

      expect(started.get(BusConsumer).bus).toBe(started.get(EventBusService));
    });
  });

  describe('when isGlobal is false', () => {
    it('hides the bus from unrelated modules', async () => {
      const compiling = Test.createTestingModule({
        imports: [EventBusModule.forRoot({ http: false }), UnrelatedModule],
      })
        .setLogger(new SilentLogger())
        .compile();

      await expect(compiling).rejects.toThrow(/BusConsumer.*EventBusService/s);
    });
  });

  describe('when serving HTTP', () => {
    async function startHttp(options: { http?: boolean }): Promise<string> {
      moduleRef = await compileModule([EventBusModule.forRoot(options)]);
      app = moduleRef.createNestApplication();
      await app.listen(0, '127.0.0.1');
      return app.getUrl();
    }

    it('serves /events by default', async () => {
      const url = await startHttp({});

      const history = await request(url).get('/events/history');
      const channels = await request(url).get('/events/channels');

      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(history.status).toBe(200);
      expect(history.body).toEqual({ items: [], next_cursor: null });
      expect(channels.status).toBe(200);
      expect(channels.body.items.map((item: { name: string }) => item.name)).toEqual([
        'karma.feedback',
        'karma.lifecycle',
        'karma.analytics',
      ]);
    });

    it('registers no routes with http false', async () => {
      const url = await startHttp({ http: false });

      const history = await request(url).get('/events/history');
      const channels = await request(url).get('/events/channels');

      expect(history.status).toBe(404);
      expect(history.body).toMatchObject({
        statusCode: 404,
        message: 'Cannot GET /events/history',
      });
      expect(channels.status).toBe(404);
    });
  });

  describe('when two modules register', () => {
    it('builds separate buses', async () => {
      const first = await startModule([EventBusModule.forRoot({ http: false })]);
      const second = await startModule([EventBusModule.forRoot({ http: false })]);

      const firstBus = first.get(EventBusService);
      await firstBus.publishLifecycle({
        user_id: 'user-1',
        event: 'birth',
        occurred_at: '2026-12-01T12:00:00.000Z',
      });
      const secondHistory = await second.get(EventBusService).history();

      expect(firstBus).not.toBe(second.get(EventBusService));
      expect(secondHistory.items).toEqual([]);
    });
  });
});
