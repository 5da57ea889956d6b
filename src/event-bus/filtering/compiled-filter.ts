import type { Envelope } from '../envelope/envelope.interface.js';
import { InvalidFilterException } from '../exceptions/invalid-filter.exception.js';
import { expandChannels } from './channel-pattern.js';
import type { FilterValue, MessageFilter } from './message-filter.interface.js';

/** Field paths: dot-separated names of letters, digits, `_` and `-`. */
const FIELD_PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Most field conditions one filter may have. */
export const MAX_FILTER_FIELDS = 20;

/** A filter checked once and ready to test messages. */
export interface CompiledFilter {
  /** Registered channels the filter selects. */
  readonly channels: readonly string[];
  /** False when the filter has only channels, so every message of those channels matches. */
  readonly hasConditions: boolean;
  matches(envelope: Envelope): boolean;
}

interface FieldCondition {
  root: 'payload' | 'metadata';
  path: string[];
  expected: FilterValue;
}

/**
 * Checks a filter against the registered channels and compiles it.
 * @throws InvalidFilterException naming the part at fault
 */
export function compileFilter(
  filter: MessageFilter = {},
  registered: readonly string[],
): CompiledFilter {
  if (filter.channels !== undefined && filter.channels.length === 0) {
    throw new InvalidFilterException(
      'channels',
      [],
      'at least one channel name or pattern, or none given for every channel',
    );
  }
  const channels =
    filter.channels === undefined ? registered : expandChannels(filter.channels, registered);
  const conditions = [
    ...fieldConditions('payload', filter.payload),
    ...fieldConditions('metadata', filter.metadata),
  ];
  if (conditions.length > MAX_FILTER_FIELDS) {
    throw new InvalidFilterException(
      'payload',
      conditions.length,
      `at most ${MAX_FILTER_FIELDS} field conditions`,
    );
  }
  const where = filter.where;
  if (where !== undefined && typeof where !== 'function') {
    throw new InvalidFilterException('where', typeof where, 'a function of the envelope');
  }

  const hasConditions = conditions.length > 0 || where !== undefined;
  return {
    channels,
    hasConditions,
    matches: (envelope) =>
      conditions.every((condition) => conditionHolds(condition, envelope)) &&
      (where === undefined || where(envelope)),
  };
}

function fieldConditions(
  root: 'payload' | 'metadata',
  fields: Readonly<Record<string, FilterValue>> | undefined,
): FieldCondition[] {
  if (fields === undefined) {
    return [];
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new InvalidFilterException(root, fields, 'an object of field paths and values');
  }

  return Object.entries(fields).map(([path, expected]) => {
    if (!FIELD_PATH.test(path)) {
      throw new InvalidFilterException(
        `${root}.${path}`,
        path,
        'a field path such as user_id or user.id',
      );
    }
    if (expected !== null && !['string', 'number', 'boolean'].includes(typeof expected)) {
      throw new InvalidFilterException(
        `${root}.${path}`,
        expected,
        'a string, number, boolean or null',
      );
    }
    return { root, path: path.split('.'), expected };
  });
}

function conditionHolds(condition: FieldCondition, envelope: Envelope): boolean {
  let value: unknown = condition.root === 'payload' ? envelope.payload : envelope.metadata;
  for (const key of condition.path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) {
      return false;
    }
    value = (value as Record<string, unknown>)[key];
  }

  const expected = condition.expected;
  if (value === expected) {
    return true;
  }
  const isScalar = typeof value === 'number' || typeof value === 'boolean';
  return typeof expected === 'string' && isScalar && String(value) === expected;
}
