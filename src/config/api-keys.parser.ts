import type { ApiKeyDefinition, ApiKeyScope } from '../event-bus/index.js';

const SCOPES: readonly ApiKeyScope[] = ['read', 'publish'];

/**
 * Parses `EVENT_BUS_API_KEYS`: entries separated by `;`, each `key=scope,scope` with the scopes
 * `read` and `publish`, such as `k1=read,publish;k2=read`. Absent or empty means no keys.
 * @throws Error naming the variable and the malformed entry by position (never the key itself)
 */
export function parseApiKeys(value: string | undefined): ApiKeyDefinition[] {
  if (value === undefined || value.trim() === '') {
    return [];
  }

  return value.split(';').map((entry, index) => {
    const [key, scopeList, ...rest] = entry.split('=');
    const scopes = (scopeList ?? '').split(',').map((scope) => scope.trim());
    const valid =
      rest.length === 0 &&
      key.trim().length >= 16 &&
      scopes.length > 0 &&
      scopes.every((scope) => (SCOPES as string[]).includes(scope));
    if (!valid) {
      throw new Error(
        `Invalid environment variable EVENT_BUS_API_KEYS: entry ${index + 1} is malformed; ` +
          'allowed: entries separated by ";", each key=scope,scope with a key of at least 16 ' +
          'characters and the scopes read and publish, such as 0123456789abcdef=read,publish.',
      );
    }
    return { key: key.trim(), scopes: scopes as ApiKeyScope[] };
  });
}
