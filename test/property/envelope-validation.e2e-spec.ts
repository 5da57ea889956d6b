import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import fc from 'fast-check';
import {
  EventBusModule,
  EventBusService,
  InvalidPayloadException,
  type ChannelDefinition,
  type Envelope,
} from '../../src/event-bus/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { createSchemaValidator } from '../support/event-bus-schema.js';

const CHANNEL = 'fuzz.orders';
const MAX_DEPTH = 6;
const MAX_KEYS = 8;

/** Stops a property after this long even if fewer runs were done; a failure still fails it. */
const TIME_LIMIT_MS = 10_000;

const ORDER_SCHEMA = {
  type: 'object',
  required: ['order_id', 'lines'],
  additionalProperties: false,
  properties: {
    order_id: { type: 'string', minLength: 1, maxLength: 20 },
    lines: {
      type: 'array',
      maxItems: 4,
      items: {
        type: 'object',
        required: ['sku', 'qty'],
        properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } },
      },
    },
    note: { type: ['string', 'null'] },
    user_id: { $ref: 'https://karmachain.dev/schemas/event_bus.json#/$defs/userId' },
    extra: {},
  },
};

const ORDERS: ChannelDefinition = { name: CHANNEL, schema: ORDER_SCHEMA };

/** The test's own Ajv, with the same schemas, decides which payloads are schema-valid. */
const schemaAjv = createSchemaValidator();
const isOrder = schemaAjv.compile(ORDER_SCHEMA);
const isMetadata = schemaAjv.compile({
  $ref: 'https://karmachain.dev/schemas/event_bus.json#/$defs/metadata',
});

const KEYS = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf'),
  fc.constantFrom('order_id', 'lines', 'note', 'user_id', 'extra', 'sku', 'qty', 'source'),
);

const LEAF = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -5, max: 50 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

/** JSON data whose objects may also hold `undefined` values, which a publish drops. */
const { tree: JSONISH } = fc.letrec<{ tree: unknown; array: unknown[]; object: object }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, LEAF, tie('array'), tie('object')),
  array: fc.array(tie('tree'), { maxLength: 5 }),
  object: fc.dictionary(KEYS, fc.oneof(tie('tree'), fc.constant(undefined)), { maxKeys: 5 }),
}));

/** Objects shaped like an order, with every field sometimes right and sometimes anything. */
const ORDER_LIKE = fc.record(
  {
    order_id: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), JSONISH),
    lines: fc.oneof(
      fc.array(fc.record({ sku: fc.string(), qty: fc.integer({ min: 0, max: 3 }) }), {
        maxLength: 5,
      }),
      JSONISH,
    ),
    note: fc.oneof(fc.string(), fc.constant(null), fc.constant(undefined), JSONISH),
    user_id: fc.oneof(fc.constantFrom('user-1', 'bad user', ''), JSONISH),
    extra: JSONISH,
  },
  { requiredKeys: [] },
);

/** A value that is not plain JSON data, and whether it is caught only by nesting limits. */
interface BadValue {
  label: string;
  make: () => unknown;
  /** Reported at the path where it sits, or somewhere below it. */
  reportedBelow: boolean;
}

const BAD_VALUES: BadValue[] = [
  { label: 'Date', make: () => new Date(0), reportedBelow: false },
  { label: 'NaN', make: () => Number.NaN, reportedBelow: false },
  { label: 'Infinity', make: () => Number.POSITIVE_INFINITY, reportedBelow: false },
  { label: 'function', make: () => () => 1, reportedBelow: false },
  { label: 'Map', make: () => new Map([['a', 1]]), reportedBelow: false },
  { label: 'Set', make: () => new Set([1]), reportedBelow: false },
  { label: 'bigint', make: () => BigInt(1), reportedBelow: false },
  { label: 'symbol', make: () => Symbol('s'), reportedBelow: false },
  { label: 'boxed number', make: () => Object(1) as unknown, reportedBelow: false },
  { label: 'Uint8Array', make: () => new Uint8Array(2), reportedBelow: false },
  {
    label: 'too wide',
    make: () => Object.fromEntries(Array.from({ length: MAX_KEYS + 1 }, (_, i) => [`k${i}`, i])),
    reportedBelow: false,
  },
  {
    label: 'too deep',
    make: () => JSON.parse('['.repeat(MAX_DEPTH + 1) + ']'.repeat(MAX_DEPTH + 1)) as unknown,
    reportedBelow: true,
  },
  {
    label: 'cycle',
    make: () => {
      const node: Record<string, unknown> = { name: 'loop' };
      node.self = node;
      return node;
    },
    reportedBelow: true,
  },
];

/** A bad value put in place of one value of a JSON-ish tree, with the path it sits at. */
interface Injected {
  value: unknown;
  path: string;
  bad: BadValue;
}

/** Replaces the `choice`-th value of the tree (counting containers' items in order) with `bad`. */
function inject(tree: unknown, bad: BadValue, choice: number): Injected {
  const slots: {
    parent: unknown[] | Record<string, unknown>;
    key: string | number;
    path: string;
  }[] = [];
  const root = { value: structuredCopy(tree) };
  collectSlots(root, 'value', 'payload', slots);
  const slot = slots[choice % slots.length];
  if (Array.isArray(slot.parent)) {
    slot.parent[slot.key as number] = bad.make();
  } else {
    Object.defineProperty(slot.parent, slot.key, {
      value: bad.make(),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { value: root.value, path: slot.path, bad };
}

function collectSlots(
  parent: unknown[] | Record<string, unknown>,
  key: string | number,
  path: string,
  slots: { parent: unknown[] | Record<string, unknown>; key: string | number; path: string }[],
): void {
  slots.push({ parent, key, path });
  const value = (parent as Record<string | number, unknown>)[key];
  if (Array.isArray(value)) {
    value.forEach((_, index) => collectSlots(value, index, `${path}[${index}]`, slots));
  } else if (isObject(value)) {
    for (const child of Object.keys(value)) {
      if (value[child] !== undefined) {
        collectSlots(value, child, `${path}.${child}`, slots);
      }
    }
  }
}

/** Copies JSON-ish data, keeping `undefined` values and `__proto__` keys as own properties. */
function structuredCopy(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(structuredCopy);
  }
  if (!isObject(value)) {
    return value;
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(copy, key, {
      value: structuredCopy(value[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/** The value a publish must store: the input with `undefined` object values left out. */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(withoutUndefined);
  }
  if (!isObject(value)) {
    return value;
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (value[key] !== undefined) {
      Object.defineProperty(copy, key, {
        value: withoutUndefined(value[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return copy;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Nesting levels of objects and arrays, and the widest object or array, of JSON-ish data. */
function shape(value: unknown): { depth: number; width: number } {
  if (Array.isArray(value) || isObject(value)) {
    const children = Array.isArray(value)
      ? value
      : Object.values(value).filter((child) => child !== undefined);
    const inner = children.map(shape);
    return {
      depth: 1 + Math.max(0, ...inner.map((one) => one.depth)),
      width: Math.max(Object.keys(value).length, ...inner.map((one) => one.width)),
    };
  }
  return { depth: 0, width: 0 };
}

/** Returns true when some object in the value has an own `__proto__` key. */
function hasOwnProtoKey(value: unknown): boolean {
  if (Array.isArray(value)) {
    return value.some(hasOwnProtoKey);
  }
  if (!isObject(value)) {
    return false;
  }
  return Object.hasOwn(value, '__proto__') || Object.values(value).some(hasOwnProtoKey);
}

/** Lists the objects and arrays of a value that are not frozen or have another prototype. */
function frozenProblems(value: unknown, path: string): string[] {
  if (typeof value !== 'object' || value === null) {
    return [];
  }
  const problems: string[] = [];
  if (!Object.isFrozen(value)) {
    problems.push(`${path} is not frozen`);
  }
  const expected = Array.isArray(value) ? Array.prototype : Object.prototype;
  if (Object.getPrototypeOf(value) !== expected) {
    problems.push(`${path} has another prototype`);
  }
  for (const key of Object.keys(value)) {
    problems.push(...frozenProblems((value as Record<string, unknown>)[key], `${path}.${key}`));
  }
  return problems;
}

/** The outcome of one publish, as a plain record the property can compare. */
type Outcome = { envelope: Envelope } | { error: unknown };

async function publishOutcome(
  bus: EventBusService,
  payload: unknown,
  metadata?: unknown,
): Promise<Outcome> {
  const loose = bus as unknown as {
    publish(channel: string, payload: unknown, metadata?: unknown): Promise<Envelope>;
  };
  try {
    return { envelope: await loose.publish(CHANNEL, payload, metadata) };
  } catch (error) {
    return { error };
  }
}

/** Fails unless the outcome is a rejection with InvalidPayloadException on a `root` field. */
function expectInvalid(outcome: Outcome, root: 'payload' | 'metadata'): InvalidPayloadException {
  if (!('error' in outcome)) {
    throw new Error(`Expected a rejection, got message ${outcome.envelope.message_id}`);
  }
  const { error } = outcome;
  if (!(error instanceof InvalidPayloadException)) {
    throw new Error(`Expected InvalidPayloadException, got ${String(error)}`);
  }
  expect(error.channel).toBe(CHANNEL);
  expect(
    error.field === root ||
      error.field.startsWith(`${root}.`) ||
      error.field.startsWith(`${root}[`),
  ).toBe(true);
  expect(error.message).toContain(error.field);
  return error;
}

/** Fails unless the outcome is a frozen envelope whose payload equals `expected`. */
function expectPublished(outcome: Outcome, expected: unknown): Envelope {
  if ('error' in outcome) {
    throw new Error(`Expected a message, got ${String(outcome.error)}`);
  }
  const { envelope } = outcome;
  expect(envelope.channel).toBe(CHANNEL);
  expect(envelope.payload).toEqual(expected);
  expect(Object.isFrozen(envelope)).toBe(true);
  expect(frozenProblems(envelope.payload, 'payload')).toEqual([]);
  return envelope;
}

const originalPrototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

function expectPrototypesUntouched(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(originalPrototypeKeys);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

describe('EventBusService.publish()', () => {
  let app: INestApplication | undefined;
  let bus: EventBusService;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventBusModule.forRoot({
          channels: [ORDERS],
          maxPayloadDepth: MAX_DEPTH,
          maxPayloadKeys: MAX_KEYS,
          historyCapacity: 10,
          http: false,
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: new CapturingLogger() });
    await app.init();
    bus = app.get(EventBusService);
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it(
    'accepts or names the field',
    async () => {
      const tally = { published: 0, rejectedBySchema: 0, rejectedAsNotJson: 0, protoKeys: 0 };
      await fc.assert(
        fc.asyncProperty(fc.oneof(ORDER_LIKE, JSONISH), async (input) => {
          const expected = withoutUndefined(input);
          const { depth, width } = shape(input);
          const outcome = await publishOutcome(bus, input);
          if (hasOwnProtoKey(input)) {
            tally.protoKeys++;
          }

          if (depth > MAX_DEPTH || width > MAX_KEYS) {
            tally.rejectedAsNotJson++;
            expectInvalid(outcome, 'payload');
          } else if (isOrder(expected)) {
            tally.published++;
            expectPublished(outcome, expected);
          } else {
            tally.rejectedBySchema++;
            expectInvalid(outcome, 'payload');
          }
          expectPrototypesUntouched();
        }),
        { numRuns: 200, interruptAfterTimeLimit: TIME_LIMIT_MS },
      );

      // Both outcomes must have occurred, or the generator stopped exercising one of them.
      expect(tally.published).toBeGreaterThan(0);
      expect(tally.rejectedBySchema).toBeGreaterThan(0);
      expect(tally.protoKeys).toBeGreaterThan(0);
    },
    TIME_LIMIT_MS * 3,
  );

  it(
    'names the injected bad value',
    async () => {
      const valid = ORDER_LIKE.map(withoutUndefined).filter((order) => {
        const { depth, width } = shape(order);
        return isOrder(order) && depth <= MAX_DEPTH && width <= MAX_KEYS;
      });
      const injected = fc
        .tuple(valid, fc.constantFrom(...BAD_VALUES), fc.nat())
        .map(([order, bad, choice]) => inject(order, bad, choice));
      await fc.assert(
        fc.asyncProperty(injected, async ({ value, path, bad }) => {
          const outcome = await publishOutcome(bus, value);

          const error = expectInvalid(outcome, 'payload');
          if (bad.reportedBelow) {
            expect(error.field.startsWith(path)).toBe(true);
          } else {
            expect(error.field).toBe(path);
          }
        }),
        { numRuns: 200, interruptAfterTimeLimit: TIME_LIMIT_MS },
      );
    },
    TIME_LIMIT_MS * 3,
  );

  it(
    'checks metadata like payloads',
    async () => {
      const order = { order_id: 'o-1', lines: [] };
      const metadata = fc.oneof(
        fc.record(
          {
            source: fc.oneof(fc.string({ maxLength: 130 }), JSONISH),
            correlation_id: fc.oneof(fc.string({ maxLength: 130 }), JSONISH),
            causation_id: fc.oneof(fc.uuid({ version: 4 }), fc.string(), JSONISH),
          },
          { requiredKeys: [] },
        ),
        JSONISH,
      );
      await fc.assert(
        fc.asyncProperty(metadata, async (input) => {
          const expected = withoutUndefined(input);
          const { depth, width } = shape(input);
          const outcome = await publishOutcome(bus, order, input);

          if (!isObject(input) || depth > MAX_DEPTH || width > MAX_KEYS || !isMetadata(expected)) {
            expectInvalid(outcome, 'metadata');
          } else {
            const envelope = expectPublished(outcome, order);
            expect(envelope.metadata).toEqual(expected);
            expect(frozenProblems(envelope.metadata, 'metadata')).toEqual([]);
          }
          expectPrototypesUntouched();
        }),
        { numRuns: 200, interruptAfterTimeLimit: TIME_LIMIT_MS },
      );
    },
    TIME_LIMIT_MS * 3,
  );

  it('keeps nested __proto__ as data', async () => {
    const input = JSON.parse(
      '{"order_id":"o-1","lines":[],"extra":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}}',
    ) as Record<string, unknown>;

    const envelope = expectPublished(await publishOutcome(bus, input), withoutUndefined(input));

    const extra = (envelope.payload as { extra: object }).extra;
    expect(Object.getPrototypeOf(extra)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(extra, '__proto__')?.value).toEqual({ polluted: true });
    expect((extra as Record<string, unknown>).polluted).toBeUndefined();
    expectPrototypesUntouched();
  });

  it('rejects top-level __proto__ key', async () => {
    const input = JSON.parse(
      '{"order_id":"o-1","lines":[],"__proto__":{"polluted":true}}',
    ) as unknown;

    const error = expectInvalid(await publishOutcome(bus, input), 'payload');

    expect(error.field).toBe('payload.__proto__');
    expectPrototypesUntouched();
  });
});
