import { Injectable, type PipeTransform } from '@nestjs/common';

/**
 * Gathers the filter parameters of a query string into the shape of `FilterQueryDto`:
 * `payload.user_id=u1` becomes `payload: { user_id: 'u1' }`, and `channels=a,b` (or repeated
 * `channels`) becomes an array. Other parameters pass through for validation.
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
        continue;
      }
      const fields = (grouped[root] ??= Object.create(null)) as Record<string, unknown>;
      fields[key.slice(root.length + 1)] = value;
    }
    return grouped;
  }
}

const FILTER_ROOTS = ['payload', 'metadata'] as const;

function splitList(value: unknown): unknown {
  const parts = Array.isArray(value) ? value : [value];
  if (!parts.every((part) => typeof part === 'string')) {
    return value;
  }
  return parts.flatMap((part) => part.split(',')).map((part) => part.trim());
}
