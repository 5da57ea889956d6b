import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import {
  INFLUENCE_SIGNALS,
  KARMA_BANDS,
  KARMA_CHANNELS,
  LIFECYCLE_EVENTS,
  type Envelope,
} from '../src/event-bus/index.js';
import {
  createSchemaValidator,
  EVENT_BUS_SCHEMA,
  formatSchemaErrors,
  schemaErrors,
} from './support/event-bus-schema.js';
import { MessageRecorder } from './support/message-recorder.js';
import { closeTestApp, createTestApp, type TestApp } from './support/test-app.js';

type Json = Record<string, any>;

const defs = EVENT_BUS_SCHEMA.$defs as Record<string, Json>;
const topLevelExamples = EVENT_BUS_SCHEMA.examples as Json[];
const definitionExamples = Object.entries(defs).flatMap(([definition, schema]) =>
  ((schema.examples ?? []) as Json[]).map((example, index) => ({ definition, index, example })),
);

const feedbackMessage = topLevelExamples[0];
const [birthPayload, roleChangePayload] = defs.karmaLifecyclePayload.examples as Json[];
const analyticsPayload = (defs.karmaAnalyticsPayload.examples as Json[])[0];

const ajv = createSchemaValidator();

function expectValid(value: unknown, definition?: string): void {
  expect(formatSchemaErrors(schemaErrors(ajv, value, definition))).toBe('');
}

describe('schemas/event_bus.json', () => {
  it('is a valid 2020-12 schema', () => {
    expect(ajv.validateSchema(EVENT_BUS_SCHEMA)).toBe(true);
    expect(ajv.getSchema(EVENT_BUS_SCHEMA.$id)).toBeDefined();
  });

  it('has examples to check', () => {
    expect(topLevelExamples).toHaveLength(1);
    expect(definitionExamples.map(({ definition }) => definition)).toEqual([
      'karmaFeedbackPayload',
      'karmaLifecyclePayload',
      'karmaLifecyclePayload',
      'karmaAnalyticsPayload',
    ]);
  });

  it.each(topLevelExamples.map((example, index) => ({ example, index })))(
    'accepts top-level example $index',
    ({ example }) => {
      expectValid(example);
    },
  );

  it.each(definitionExamples)('accepts $definition example $index', ({ definition, example }) => {
    expectValid(example, definition);
  });

  it('lists the exported enums', () => {
    const feedback = defs.karmaFeedbackPayload.properties;
    const lifecycle = defs.karmaLifecyclePayload.properties;

    expect(feedback.band.enum).toEqual([...KARMA_BANDS]);
    expect(feedback.signal.enum).toEqual([...INFLUENCE_SIGNALS]);
    expect(lifecycle.event.enum).toEqual([...LIFECYCLE_EVENTS]);
    expect(defs.countsByBand.required).toEqual([...KARMA_BANDS]);
    expect(defs.countsByLifecycleEvent.required).toEqual([...LIFECYCLE_EVENTS]);
    expect(EVENT_BUS_SCHEMA.oneOf).toHaveLength(KARMA_CHANNELS.length);
  });

  const lifecycleMessage = {
    ...feedbackMessage,
    channel: 'karma.lifecycle',
    payload: birthPayload,
  };
  const analyticsMessage = {
    ...feedbackMessage,
    channel: 'karma.analytics',
    payload: analyticsPayload,
  };
  const { payload: _payload, ...withoutPayload } = feedbackMessage;
  const { role: _role, ...roleChangeWithoutRole } = roleChangePayload;
  const { high: _high, ...bandsWithoutHigh } = analyticsPayload.by_band as Json;

  it.each([
    {
      name: 'feedback payload on lifecycle',
      message: { ...feedbackMessage, channel: 'karma.lifecycle' },
    },
    {
      name: 'lifecycle payload on feedback',
      message: { ...feedbackMessage, payload: birthPayload },
    },
    {
      name: 'analytics payload on feedback',
      message: { ...feedbackMessage, payload: analyticsPayload },
    },
    { name: 'an unknown channel', message: { ...feedbackMessage, channel: 'karma.other' } },
    { name: 'a non-UUID message_id', message: { ...feedbackMessage, message_id: 'msg-1' } },
    {
      name: 'a UUID v1 message_id',
      message: { ...feedbackMessage, message_id: '9b2f7c1e-4d3a-1b8e-a1c2-d3e4f5a6b7c8' },
    },
    {
      name: 'a timestamp without ms',
      message: { ...feedbackMessage, timestamp: '2026-12-01T12:00:00Z' },
    },
    {
      name: 'a timestamp with an offset',
      message: { ...feedbackMessage, timestamp: '2026-12-01T12:00:00.123+01:00' },
    },
    { name: 'an extra envelope property', message: { ...feedbackMessage, priority: 1 } },
    { name: 'no payload', message: withoutPayload },
    {
      name: 'a non-UUID causation_id',
      message: { ...feedbackMessage, metadata: { causation_id: 'req-7' } },
    },
    {
      name: 'a score above 100',
      message: { ...feedbackMessage, payload: { ...feedbackMessage.payload, score: 100.5 } },
    },
    {
      name: 'an unknown band',
      message: { ...feedbackMessage, payload: { ...feedbackMessage.payload, band: 'stellar' } },
    },
    {
      name: 'a role_change without role',
      message: { ...lifecycleMessage, payload: roleChangeWithoutRole },
    },
    {
      name: 'an analytics band missing',
      message: { ...analyticsMessage, payload: { ...analyticsPayload, by_band: bandsWithoutHigh } },
    },
  ])('rejects $name', ({ message }) => {
    expect(schemaErrors(ajv, message)).not.toEqual([]);
  });

  it('accepts the valid variants above', () => {
    expectValid(lifecycleMessage);
    expectValid(analyticsMessage);
    expectValid({ ...lifecycleMessage, payload: roleChangePayload });
  });
});

describe('MessageRecorder', () => {
  it('reports an invalid message', () => {
    const recorder = new MessageRecorder(ajv);
    recorder.messages.push({ ...feedbackMessage, timestamp: 'yesterday' } as Envelope);

    const violations = recorder.schemaViolations();

    expect(violations).toHaveLength(1);
    expect(violations[0]).toContain(`karma.feedback ${feedbackMessage.message_id as string}:`);
    expect(violations[0]).toContain('/timestamp pattern');
  });
});

describe('messages of the running app', () => {
  let testApp: TestApp | undefined;

  afterEach(async () => {
    await closeTestApp(testApp);
    testApp = undefined;
  });

  it('match the schema', async () => {
    testApp = await createTestApp();
    const influence = await request(testApp.http)
      .post('/karma/influence')
      .set('X-Correlation-Id', 'req-7')
      .send({ user_id: 'user-42', actions: [], as_of: '2026-12-01T12:00:00Z' });
    const lifecycle = await request(testApp.http).post('/karma/lifecycle').send({
      user_id: 'user-42',
      event: 'role_change',
      role: 'moderator',
      occurred_at: '2026-12-02T08:30:00Z',
    });
    await testApp.bus.idle();

    expect(influence.status).toBe(200);
    expect(lifecycle.status).toBe(201);
    expect(testApp.recorder.messages.map((message) => message.channel)).toEqual([
      'karma.feedback',
      'karma.analytics',
      'karma.lifecycle',
      'karma.analytics',
    ]);
    expect(testApp.recorder.schemaViolations()).toEqual([]);
  });
});
