import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

const FILTER_ROOTS = ['payload', 'metadata'] as const;

/** Field names that would reach a prototype if any code assigned them. */
const FORBIDDEN_FIELDS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Gathers the filter parameters of a query string into the shape of `FilterQueryDto`:
 * `payload.user_id=u1` becomes the pair `['user_id', 'u1']` in `payload` (pairs, not an object,
 * so that no field name such as `toString` is dropped or reaches a prototype on the way), and
 * `channels=a,b` (or repeated `channels`) becomes an array. Other parameters pass through.
 * @throws BadRequestException for a field path with a `__proto__`, `constructor` or
 *   `prototype` segment
 */
@Injectable()
export class FilterQueryPipe implements PipeTransform {
  transform(query: unknown): unknown {
    if (typeof query !== 'object' || query === null) {
      return query;
    }

    const grouped: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
      const root = FILTER_ROOTS.find((candidate) => key.startsWith(`${candidate}.`));
      if (root === undefined) {
        grouped[key] = key === 'channels' ? splitList(value) : value;
        if (
          FILTER_ROOTS.includes(key as (typeof FILTER_ROOTS)[number]) &&
          Array.isArray(grouped[key])
        ) {
          // A bare `payload=` after `payload.<field>=` would otherwise look like pairs.
          grouped[key] = String(value);
        }
        continue;
      }
      const path = key.slice(root.length + 1);
      if (path.split('.').some((segment) => FORBIDDEN_FIELDS.has(segment))) {
        throw new BadRequestException({
          statusCode: 400,
          error: 'Bad Request',
          message: [
            `${key} is not allowed: __proto__, constructor and prototype cannot be filtered on`,
          ],
          field: key,
        });
      }
      const pairs = (grouped[root] ??= []) as unknown;
      if (!Array.isArray(pairs)) {
        throw new BadRequestException({
          statusCode: 400,
          error: 'Bad Request',
          message: [`${root} must be given as ${root}.<field>=<value>, not as ${root}=<value>`],
          field: root,
        });
      }
      pairs.push([path, value]);
    }
    return grouped;
  }
}

function splitList(value: unknown): unknown {
  const parts = Array.isArray(value) ? value : [value];
  if (!parts.every((part) => typeof part === 'string')) {
    return value;
  }
  return parts.flatMap((part) => part.split(',')).map((part) => part.trim());
}
