import { InvalidFilterException } from '../exceptions/invalid-filter.exception.js';

/** A channel name or pattern: dot-separated lowercase segments, each of which may be `*`. */
const PATTERN_SYNTAX = /^(\*|[a-z][a-z0-9_-]*)(\.(\*|[a-z][a-z0-9_-]*))*$/;

/** Returns true when the text contains a wildcard segment. */
export function isChannelPattern(text: string): boolean {
  return text.split('.').includes('*');
}

/** Returns true when a channel name matches a pattern whose `*` stands for one segment. */
export function matchesChannelPattern(pattern: string, channel: string): boolean {
  const patternSegments = pattern.split('.');
  const channelSegments = channel.split('.');
  if (patternSegments.length !== channelSegments.length) {
    return false;
  }
  return patternSegments.every((segment, i) => segment === '*' || segment === channelSegments[i]);
}

/**
 * Expands channel names and patterns to the registered channels they select, in registration
 * order and without repeats.
 * @throws InvalidFilterException naming `channels` when an entry is malformed or selects nothing
 */
export function expandChannels(
  entries: readonly string[],
  registered: readonly string[],
): string[] {
  const selected = new Set<string>();
  for (const entry of entries) {
    if (typeof entry !== 'string' || !PATTERN_SYNTAX.test(entry)) {
      throw new InvalidFilterException(
        'channels',
        entry,
        'channel names or patterns such as karma.feedback or karma.*',
      );
    }
    const matches = registered.filter((channel) => matchesChannelPattern(entry, channel));
    if (matches.length === 0) {
      throw new InvalidFilterException(
        'channels',
        entry,
        `names or patterns matching at least one of ${registered.join(', ')}`,
      );
    }
    matches.forEach((channel) => selected.add(channel));
  }
  return registered.filter((channel) => selected.has(channel));
}
