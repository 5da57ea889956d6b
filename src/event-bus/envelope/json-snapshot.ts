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
 * @param maxKeys the most keys of one object, or items of one array, accepted
 * @throws JsonSnapshotError on functions, symbols, bigints, `undefined` in arrays, non-finite
 *   numbers, built-in objects such as Date or Map, cycles, nesting deeper than `maxDepth` and
 *   objects or arrays wider than `maxKeys`
 */
export function snapshotJson(
  value: unknown,
  path: string,
  maxDepth: number,
  maxKeys = Number.POSITIVE_INFINITY,
): JsonValue {
  return copyValue(value, path, { maxDepth, maxKeys }, 0);
}

interface Bounds {
  maxDepth: number;
  maxKeys: number;
}

function copyValue(value: unknown, path: string, bounds: Bounds, depth: number): JsonValue {
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
      if (depth >= bounds.maxDepth) {
        throw new JsonSnapshotError(
          path,
          `is nested deeper than ${bounds.maxDepth} levels (or is a cycle)`,
        );
      }
      return Array.isArray(value)
        ? copyArray(value, path, bounds, depth + 1)
        : copyObject(value, path, bounds, depth + 1);
    default:
      throw new JsonSnapshotError(path, `must be JSON data, not of type ${typeof value}`);
  }
}

function copyArray(source: unknown[], path: string, bounds: Bounds, depth: number): JsonValue {
  checkWidth(source.length, path, bounds);
  const copy = new Array<JsonValue>(source.length);
  for (let i = 0; i < source.length; i++) {
    copy[i] = copyValue(source[i], `${path}[${i}]`, bounds, depth);
  }
  return Object.freeze(copy) as JsonValue;
}

function copyObject(source: object, path: string, bounds: Bounds, depth: number): JsonValue {
  if (Object.prototype.toString.call(source) !== '[object Object]') {
    throw new JsonSnapshotError(path, 'must be a plain object, not a built-in such as Date or Map');
  }

  const keys = Object.keys(source);
  checkWidth(keys.length, path, bounds);
  const copy: Record<string, JsonValue> = {};
  for (const key of keys) {
    const item = (source as Record<string, unknown>)[key];
    if (item === undefined) {
      continue;
    }
    const itemValue = copyValue(item, `${path}.${key}`, bounds, depth);
    if (key === '__proto__') {
      Object.defineProperty(copy, key, { value: itemValue, enumerable: true });
    } else {
      copy[key] = itemValue;
    }
  }
  return Object.freeze(copy);
}

function checkWidth(width: number, path: string, bounds: Bounds): void {
  if (width > bounds.maxKeys) {
    throw new JsonSnapshotError(
      path,
      `has ${width} keys or items, more than the maximum of ${bounds.maxKeys}`,
    );
  }
}
