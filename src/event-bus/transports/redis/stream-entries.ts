import type { Envelope } from '../../envelope/envelope.interface.js';

/** A stream entry as ioredis returns it: the id and a flat field/value list. */
export type RawStreamEntry = [id: string, fields: string[] | null];

/** A stream entry id split into its millisecond and sequence parts. */
export interface EntryId {
  ms: number;
  seq: number;
}

/** Parses `1700000000000-3` into its parts. */
export function parseEntryId(id: string): EntryId {
  const dash = id.indexOf('-');
  return { ms: Number(id.slice(0, dash)), seq: Number(id.slice(dash + 1)) };
}

/** Compares two entry ids in stream order. */
export function compareEntryIds(a: string, b: string): number {
  const left = parseEntryId(a);
  const right = parseEntryId(b);
  return left.ms === right.ms ? left.seq - right.seq : left.ms - right.ms;
}

/** Returns the value of a field of an entry, or undefined. */
export function fieldOf(fields: string[] | null, name: string): string | undefined {
  if (fields === null) {
    return undefined;
  }
  for (let i = 0; i < fields.length - 1; i += 2) {
    if (fields[i] === name) {
      return fields[i + 1];
    }
  }
  return undefined;
}

/** Parses the envelope stored in an entry and freezes it at every depth; undefined if absent. */
export function envelopeOf(fields: string[] | null): Envelope | undefined {
  const json = fieldOf(fields, 'envelope');
  return json === undefined ? undefined : deepFreeze(JSON.parse(json) as Envelope);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) {
      deepFreeze(item);
    }
    Object.freeze(value);
  }
  return value;
}
