import { expect } from '@jest/globals';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { App } from 'supertest/types.js';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/bootstrap/configure-app.js';
import { EventBusService } from '../../src/event-bus/index.js';
import { CapturingLogger } from './capturing-logger.js';
import { createSchemaValidator } from './event-bus-schema.js';
import { MessageRecorder } from './message-recorder.js';

/** The real application under test, with a recorder of every message and the captured logs. */
export interface TestApp {
  readonly app: INestApplication;
  readonly http: App;
  readonly bus: EventBusService;
  readonly recorder: MessageRecorder;
  readonly logger: CapturingLogger;
}

/** Environment variables the service reads. */
const SERVICE_VARIABLE = /^(EVENT_BUS_\w+|PORT|HOST)$/;

/**
 * Builds and initialises the real AppModule as `main.ts` sets it up, next to optional fixture
 * modules. Every setting keeps its default, so the transport is the in-memory one.
 *
 * The recorder subscribes before `init()`, so it receives every message, and it counts as one
 * subscriber of every channel in `GET /events/channels`.
 */
export async function createTestApp(fixtures: ModuleMetadata['imports'] = []): Promise<TestApp> {
  // Jest gives each test file its own copy of process.env, so this leaves other files alone.
  for (const name of Object.keys(process.env).filter((key) => SERVICE_VARIABLE.test(key))) {
    delete process.env[name];
  }

  const moduleRef = await Test.createTestingModule({
    imports: [AppModule, ...fixtures],
  }).compile();

  const logger = new CapturingLogger();
  const app = moduleRef.createNestApplication({ bodyParser: false, logger });
  configureApp(app);
  const bus = app.get(EventBusService);
  const recorder = new MessageRecorder(createSchemaValidator());
  recorder.attach(bus);

  await app.init();
  return { app, http: app.getHttpServer() as App, bus, recorder, logger };
}

/**
 * Waits for pending handlers, closes the app, then fails when any message produced while it ran
 * does not match `schemas/event_bus.json`.
 */
export async function closeTestApp(testApp: TestApp | undefined): Promise<void> {
  if (testApp === undefined) {
    return;
  }

  let violations: string[];
  try {
    await testApp.bus.idle();
    violations = testApp.recorder.schemaViolations();
  } finally {
    await testApp.app.close();
  }
  expect(violations).toEqual([]);
}
