import type { RedisStreamsTransport } from './redis-streams.transport.js';

/** Error codes of a failed import: Node's ESM loader, and CommonJS resolution (as under Jest). */
const MODULE_NOT_FOUND_CODES = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);

/**
 * Imports the Redis transport, and with it `ioredis`, when a bus first needs it, so apps on the
 * in-memory transport run without `ioredis` installed (it is an optional peer dependency).
 * @throws Error saying to install `ioredis` when the package is missing
 */
export async function loadRedisStreamsTransport(): Promise<typeof RedisStreamsTransport> {
  try {
    const { RedisStreamsTransport } = await import('./redis-streams.transport.js');
    return RedisStreamsTransport;
  } catch (error) {
    if (isMissingIoredis(error)) {
      throw new Error(
        'The Redis transport needs the ioredis package, which is not installed; ' +
          'install it next to karma-event-bus with: npm install ioredis',
        { cause: error },
      );
    }
    throw error;
  }
}

function isMissingIoredis(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    typeof code === 'string' &&
    MODULE_NOT_FOUND_CODES.has(code) &&
    typeof message === 'string' &&
    /['"]ioredis['"]/.test(message)
  );
}
