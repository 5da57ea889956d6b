import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { EVENT_BUS_RESOLVED_OPTIONS } from '../event-bus.constants.js';
import type { ResolvedEventBusOptions } from '../event-bus.options.js';
import type { ApiKeyScope } from '../interfaces/event-bus-options.interface.js';

/** The outcome of checking a presented key. */
export type ApiKeyCheck =
  | { outcome: 'open' }
  | { outcome: 'missing' }
  | { outcome: 'invalid' }
  | { outcome: 'allowed' | 'forbidden'; scopes: readonly ApiKeyScope[] };

interface StoredKey {
  digest: Buffer;
  scopes: readonly ApiKeyScope[];
}

/**
 * Checks API keys in constant time: keys are compared as SHA-256 digests with
 * `timingSafeEqual`, against every configured key, so timing reveals neither the key nor which
 * entry matched. Keys are never logged.
 */
@Injectable()
export class ApiKeyVerifier implements OnModuleInit {
  private readonly logger = new Logger('EventBus:Auth');
  private readonly keys: StoredKey[];

  constructor(@Inject(EVENT_BUS_RESOLVED_OPTIONS) options: ResolvedEventBusOptions) {
    this.keys = options.apiKeys.map(({ key, scopes }) => ({ digest: digest(key), scopes }));
  }

  onModuleInit(): void {
    if (!this.enabled) {
      this.logger.warn('No API keys are configured, so every event bus route is open to anyone');
    }
  }

  /** True when keys are configured, so requests need one. */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  check(presented: string | undefined, scope: ApiKeyScope): ApiKeyCheck {
    if (!this.enabled) {
      return { outcome: 'open' };
    }
    if (presented === undefined || presented === '') {
      return { outcome: 'missing' };
    }

    const presentedDigest = digest(presented);
    let match: StoredKey | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(key.digest, presentedDigest) && match === undefined) {
        match = key;
      }
    }
    if (match === undefined) {
      return { outcome: 'invalid' };
    }
    const outcome = match.scopes.includes(scope) ? 'allowed' : 'forbidden';
    return { outcome, scopes: match.scopes };
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * Reads the key a client sent: `Authorization: Bearer <key>` or `X-API-Key: <key>`, and the
 * `api_key` query parameter where allowed (browsers' EventSource and WebSocket cannot set
 * headers).
 */
export function presentedKey(
  headers: Record<string, string | string[] | undefined>,
  queryKey: unknown,
): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && /^Bearer\s+/i.test(authorization)) {
    return authorization.replace(/^Bearer\s+/i, '').trim();
  }
  const header = headers['x-api-key'];
  if (typeof header === 'string') {
    return header.trim();
  }
  return typeof queryKey === 'string' ? queryKey : undefined;
}
