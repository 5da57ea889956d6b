import type { JsonValue } from './envelope.interface.js';

/** Raised by {@link snapshotJson} with the path of the first value that is not plain JSON data. */
export class JsonSnapshotError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path} ${reason}`);
  }
}

/**
 * Copies plain JSON data into a new structure frozen at every depth.
 *
 * Copying detaches the message from the caller's object, so later changes by the publisher
 * cannot reach subscribers or history; freezing stops subscribers from changing what others see.
 * Keys such as `__proto__` become own data properties and never change a prototype.
 * @param value the data to copy
 * @param path the name of the value in error messages, such as `payload`
 * @param maxDepth the deepest nesting of objects and arrays accepted
 * @throws JsonSnapshotError on functions, symbols, bigints, `undefined` in arrays, non-finite
 *   numbers, built-in objects such as Date or Map, cycles, and nesting deeper than `maxDepth`
 */
export function snapshotJson(value: unknown, path: string, maxDepth: number): JsonValue {
  return copyValue(value, path, maxDepth, 0);
}

function copyValue(value: unknown, path: string, maxDepth: number, depth: number): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new JsonSnapshotError(path, 'must be a finite number');
      }
      return value;
    case 'object':
      if (value === null) {
        return null;
      }
      if (depth >= maxDepth) {
        throw new JsonSnapshotError(
          path,
          `is nested deeper than ${maxDepth} levels (or is a cycle)`,
        );
      }
      return Array.isArray(value)
        ? copyArray(value, path, maxDepth, depth + 1)
        : copyObject(value, path, maxDepth, depth + 1);
    default:
      throw new JsonSnapshotError(path, `must be JSON data, not of type ${typeof value}`);
  }
}

function copyArray(source: unknown[], path: string, maxDepth: number, depth: number): JsonValue {
  const copy = new Array<JsonValue>(source.length);
  for (let i = 0; i < source.length; i++) {
    copy[i] = copyValue(source[i], `${path}[${i}]`, maxDepth, depth);
  }
  return Object.freeze(copy) as JsonValue;
}

function copyObject(source: object, path: string, maxDepth: number, depth: number): JsonValue {
  if (Object.prototype.toString.call(source) !== '[object Object]') {
    throw new JsonSnapshotError(path, 'must be a plain object, not a built-in such as Date or Map');
  }

  const copy: Record<string, JsonValue> = {};
  for (const key of Object.keys(source)) {
    const item = (source as Record<string, unknown>)[key];
    if (item === undefined) {
      continue;
    }
    const itemValue = copyValue(item, `${path}.${key}`, maxDepth, depth);
    if (key === '__proto__') {
      Object.defineProperty(copy, key, { value: itemValue, enumerable: true });
    } else {
      copy[key] = itemValue;
    }
  }
  return Object.freeze(copy);
}
