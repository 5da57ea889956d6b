import {
  Controller,
  Injectable,
  type LoggerService,
  Module,
  type ModuleMetadata,
  type OnApplicationBootstrap,
  type OnModuleInit,
  Scope,
  type Type,
} from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { ChannelEnvelope } from '../channels/channel-map.interface.js';
import type { KarmaFeedbackPayload, KarmaLifecyclePayload } from '../channels/karma.channels.js';
import { OnChannel } from '../decorators/on-channel.decorator.js';
import type { Envelope } from '../envelope/envelope.interface.js';
import { EventBusModule } from '../event-bus.module.js';
import { EventBusService } from '../event-bus.service.js';
import { BusShuttingDownException } from '../exceptions/bus-shutting-down.exception.js';
import { createTestingBus, type TestingBus } from '../testing/testing-bus.factory.js';

const FEEDBACK: KarmaFeedbackPayload = {
  user_id: 'user-42',
  score: 71.52,
  influence: 0.4304,
  signal: 'positive',
  band: 'high',
  action_count: 3,
  as_of: '2026-12-01T12:00:00.000Z',
};

function lifecycle(userId: string): KarmaLifecyclePayload {
  return { user_id: userId, event: 'birth', occurred_at: '2026-12-01T12:00:00.000Z' };
}

/** A Nest logger that keeps every `log` and `error` line with its context. */
class RecordingLogger implements LoggerService {
  readonly lines: { level: string; message: string; context: unknown }[] = [];

  log(message: unknown, ...params: unknown[]): void {
    this.lines.push({ level: 'log', message: String(message), context: params.at(-1) });
  }

  error(message: unknown, ...params: unknown[]): void {
    this.lines.push({ level: 'error', message: String(message), context: params.at(-1) });
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.lines.push({ level: 'warn', message: String(message), context: params.at(-1) });
  }

  /** Messages of one level written by the event bus. */
  busMessages(level = 'log'): string[] {
    return this.lines
      .filter((line) => line.level === level && line.context === 'EventBus')
      .map((line) => line.message);
  }
}

@Injectable()
class ScoreAuditor {
  readonly received: Envelope[] = [];

  @OnChannel('karma.feedback')
  record(message: ChannelEnvelope<'karma.feedback'>): void {
    this.received.push(message);
  }
}

@Module({ providers: [ScoreAuditor] })
class AuditModule {}

@Controller('reports')
class ReportsController {
  readonly received: Envelope[] = [];

  @OnChannel('karma.lifecycle', { name: 'reports' })
  onLifecycle(message: ChannelEnvelope<'karma.lifecycle'>): void {
    this.received.push(message);
  }
}

@Module({ controllers: [ReportsController] })
class ReportsModule {}

@Injectable()
class StackedListener {
  readonly channels: string[] = [];

  @OnChannel('karma.feedback')
  @OnChannel('karma.lifecycle')
  @OnChannel('karma.feedback')
  onKarma(message: ChannelEnvelope<'karma.feedback'> | ChannelEnvelope<'karma.lifecycle'>): void {
    this.channels.push(message.channel);
  }
}

@Module({ providers: [StackedListener] })
class StackedModule {}

const sharedBus = EventBusModule.forRoot({ http: false });

/** A listener that injects the bus through its own import of the shared EventBusModule. */
@Injectable()
class OrderDesk {
  readonly received: Envelope[] = [];

  constructor(readonly bus: EventBusService) {}

  @OnChannel('karma.feedback')
  onFeedback(message: ChannelEnvelope<'karma.feedback'>): void {
    this.received.push(message);
  }
}

@Module({ imports: [sharedBus], providers: [OrderDesk] })
class OrderDeskModule {}

type Imports = NonNullable<ModuleMetadata['imports']>;

describe('ChannelListenersExplorer', () => {
  const openModules: TestingModule[] = [];
  const testingBuses: TestingBus[] = [];
  let logger: RecordingLogger;

  /** Starts a testing bus (in memory, global) next to the given listener modules. */
  async function startTestingBus(imports: Imports): Promise<TestingBus> {
    logger = new RecordingLogger();
    const testing = await createTestingBus({ imports, logger });
    testingBuses.push(testing);
    return testing;
  }

  /** Listeners bound per channel: the subscribers besides the testing bus's recorder. */
  async function listenerCounts(testing: TestingBus): Promise<Record<string, number>> {
    const infos = await testing.bus.channels();
    return Object.fromEntries(infos.map((info) => [info.name, info.subscribers - 1]));
  }

  async function compileApp(imports: Imports) {
    logger = new RecordingLogger();
    const moduleRef = await Test.createTestingModule({ imports }).setLogger(logger).compile();
    openModules.push(moduleRef);
    return moduleRef;
  }

  async function startApp(imports: Imports) {
    const moduleRef = await compileApp(imports);
    await moduleRef.init();
    return moduleRef;
  }

  async function subscriberCounts(moduleRef: TestingModule): Promise<Record<string, number>> {
    const infos = await moduleRef.get(EventBusService).channels();
    return Object.fromEntries(infos.map((info) => [info.name, info.subscribers]));
  }

  afterEach(async () => {
    for (const moduleRef of openModules.splice(0)) {
      await moduleRef.close();
    }
    for (const testing of testingBuses.splice(0)) {
      await testing.close();
    }
  });

  describe('onApplicationBootstrap()', () => {
    it('binds providers in other modules', async () => {
      const testing = await startTestingBus([AuditModule]);

      const envelope = await testing.bus.publishFeedback(FEEDBACK);

      expect(testing.moduleRef.get(ScoreAuditor).received).toEqual([envelope]);
    });

    it('binds controllers', async () => {
      const testing = await startTestingBus([ReportsModule]);

      const envelope = await testing.bus.publishLifecycle(lifecycle('user-1'));
      await testing.bus.publishFeedback(FEEDBACK);

      expect(testing.moduleRef.get(ReportsController).received).toEqual([envelope]);
      expect(testing.recorder.list()).toHaveLength(2);
    });

    it('binds modules importing the bus', async () => {
      const moduleRef = await startApp([sharedBus, OrderDeskModule]);
      const desk = moduleRef.get(OrderDesk);

      const envelope = await desk.bus.publishFeedback(FEEDBACK);

      expect(desk.bus).toBe(moduleRef.get(EventBusService));
      expect(desk.received).toEqual([envelope]);
    });

    it('binds stacked decorators once each', async () => {
      const testing = await startTestingBus([StackedModule]);
      const { bus } = testing;

      await bus.publishFeedback(FEEDBACK);
      await bus.publishLifecycle(lifecycle('user-1'));
      await bus.publishFeedback(FEEDBACK);

      const delivered = testing.recorder.list().map((message) => message.channel);
      expect(delivered).toEqual(['karma.feedback', 'karma.lifecycle', 'karma.feedback']);
      expect(testing.moduleRef.get(StackedListener).channels).toEqual(delivered);
      expect(await listenerCounts(testing)).toEqual({
        'karma.feedback': 1,
        'karma.lifecycle': 1,
        'karma.analytics': 0,
      });
    });

    it('skips aliases of one instance', async () => {
      const shared = new ScoreAuditor();
      @Module({
        providers: [
          ScoreAuditor,
          { provide: 'AUDITOR_ALIAS', useExisting: ScoreAuditor },
          { provide: 'SHARED_A', useValue: shared },
          { provide: 'SHARED_B', useValue: shared },
        ],
      })
      class AliasModule {}
      const testing = await startTestingBus([AliasModule]);

      await testing.bus.publishFeedback(FEEDBACK);

      expect(testing.moduleRef.get(ScoreAuditor).received).toHaveLength(1);
      expect(shared.received).toHaveLength(1);
      expect((await listenerCounts(testing))['karma.feedback']).toBe(2);
    });

    it('logs each listener at start-up', async () => {
      await startTestingBus([AuditModule, ReportsModule, StackedModule]);

      const lines = logger.busMessages();

      expect(lines).toEqual(
        expect.arrayContaining([
          'ScoreAuditor.record -> karma.feedback',
          'reports -> karma.lifecycle',
          'StackedListener.onKarma -> karma.feedback',
          'StackedListener.onKarma -> karma.lifecycle',
          'Bound 4 channel listener(s)',
        ]),
      );
      expect(lines.filter((line) => line.includes(' -> '))).toHaveLength(4);
    });
  });

  describe('when a listener is request-scoped', () => {
    @Injectable()
    class ScopeJournal {
      readonly entries: { instance: number; messageId: string }[] = [];
      instancesCreated = 0;
    }

    @Injectable({ scope: Scope.REQUEST })
    class PerMessageListener {
      private readonly instance: number;

      constructor(private readonly journal: ScopeJournal) {
        this.instance = ++journal.instancesCreated;
      }

      @OnChannel('karma.feedback')
      handle(message: ChannelEnvelope<'karma.feedback'>): void {
        this.journal.entries.push({ instance: this.instance, messageId: message.message_id });
      }
    }

    @Injectable({ scope: Scope.REQUEST })
    class RequestContext {
      readonly instance: number;

      constructor(journal: ScopeJournal) {
        this.instance = ++journal.instancesCreated;
      }
    }

    /** A listener that is request-scoped only through its dependency on RequestContext. */
    @Injectable()
    class ContextualListener {
      constructor(
        private readonly context: RequestContext,
        private readonly journal: ScopeJournal,
      ) {}

      @OnChannel('karma.feedback')
      handle(message: ChannelEnvelope<'karma.feedback'>): void {
        this.journal.entries.push({
          instance: this.context.instance,
          messageId: message.message_id,
        });
      }
    }

    it.each<[string, Type[]]>([
      ['explicitly', [PerMessageListener]],
      ['through a dependency', [RequestContext, ContextualListener]],
    ])('uses a fresh instance %s', async (_how, listeners) => {
      @Module({ providers: [ScopeJournal, ...listeners] })
      class ScopedModule {}
      const testing = await startTestingBus([ScopedModule]);
      const journal = testing.moduleRef.get(ScopeJournal);
      const createdAtStart = journal.instancesCreated;

      const sent: string[] = [];
      for (let index = 0; index < 3; index++) {
        sent.push((await testing.bus.publishFeedback(FEEDBACK)).message_id);
      }
      await testing.idle();

      expect(journal.entries.map((entry) => entry.messageId)).toEqual(sent);
      expect(new Set(journal.entries.map((entry) => entry.instance)).size).toBe(3);
      expect(journal.instancesCreated - createdAtStart).toBe(3);
      expect(logger.busMessages('error')).toEqual([]);
    });
  });

  describe('when messages precede bootstrap', () => {
    @Injectable()
    class InitPublisher implements OnModuleInit {
      constructor(private readonly bus: EventBusService) {}

      async onModuleInit(): Promise<void> {
        await this.bus.publishLifecycle(lifecycle('from-init'));
      }
    }

    @Module({ providers: [InitPublisher] })
    class InitPublisherModule {}

    @Injectable()
    class BootstrapPublisher implements OnApplicationBootstrap {
      constructor(private readonly bus: EventBusService) {}

      async onApplicationBootstrap(): Promise<void> {
        await this.bus.publishLifecycle(lifecycle('from-bootstrap'));
      }
    }

    @Module({ providers: [BootstrapPublisher] })
    class BootstrapPublisherModule {}

    @Injectable()
    class LifecycleRecorder {
      readonly users: string[] = [];

      @OnChannel('karma.lifecycle')
      record(message: ChannelEnvelope<'karma.lifecycle'>): void {
        this.users.push(message.payload.user_id);
      }
    }

    @Module({ providers: [LifecycleRecorder] })
    class RecorderModule {}

    const globalBus = () => EventBusModule.forRoot({ http: false, isGlobal: true });

    it.each([
      [
        'bus first',
        () => [globalBus(), InitPublisherModule, BootstrapPublisherModule, RecorderModule],
      ],
      [
        'bus last',
        () => [RecorderModule, BootstrapPublisherModule, InitPublisherModule, globalBus()],
      ],
    ])('delivers each once in order (%s)', async (_order, imports) => {
      const moduleRef = await startApp(imports());

      expect(moduleRef.get(LifecycleRecorder).users).toEqual(['from-init', 'from-bootstrap']);
      const history = await moduleRef.get(EventBusService).history({ order: 'asc' });
      expect(history.items.map((item) => (item.payload as KarmaLifecyclePayload).user_id)).toEqual([
        'from-init',
        'from-bootstrap',
      ]);
    });

    it('queues publishes before init', async () => {
      const moduleRef = await compileApp([EventBusModule.forRoot({ http: false }), AuditModule]);
      const bus = moduleRef.get(EventBusService);
      const auditor = moduleRef.get(ScoreAuditor);

      const first = await bus.publishFeedback(FEEDBACK);
      const second = await bus.publishFeedback({ ...FEEDBACK, score: 10 });
      expect(auditor.received).toEqual([]);

      await moduleRef.init();

      expect(auditor.received).toEqual([first, second]);
    });
  });

  describe('when two apps share a process', () => {
    it('keeps listeners apart', async () => {
      const first = await startApp([EventBusModule.forRoot({ http: false }), AuditModule]);
      const second = await startApp([EventBusModule.forRoot({ http: false }), AuditModule]);
      const firstAuditor = first.get(ScoreAuditor);
      const secondAuditor = second.get(ScoreAuditor);

      const envelope = await first.get(EventBusService).publishFeedback(FEEDBACK);

      expect(firstAuditor).not.toBe(secondAuditor);
      expect(firstAuditor.received).toEqual([envelope]);
      expect(secondAuditor.received).toEqual([]);
      expect((await subscriberCounts(first))['karma.feedback']).toBe(1);
      expect((await subscriberCounts(second))['karma.feedback']).toBe(1);
    });
  });

  describe('onModuleDestroy()', () => {
    it('removes listeners on close', async () => {
      const moduleRef = await compileApp([
        EventBusModule.forRoot({ http: false }),
        AuditModule,
        ReportsModule,
      ]);
      await moduleRef.init();
      const bus = moduleRef.get(EventBusService);
      const auditor = moduleRef.get(ScoreAuditor);
      expect(await subscriberCounts(moduleRef)).toEqual({
        'karma.feedback': 1,
        'karma.lifecycle': 1,
        'karma.analytics': 0,
      });

      await moduleRef.close();
      openModules.splice(openModules.indexOf(moduleRef), 1);

      expect(await subscriberCounts(moduleRef)).toEqual({
        'karma.feedback': 0,
        'karma.lifecycle': 0,
        'karma.analytics': 0,
      });
      await expect(bus.publishFeedback(FEEDBACK)).rejects.toThrow(BusShuttingDownException);
      expect(auditor.received).toEqual([]);
    });
  });
});
