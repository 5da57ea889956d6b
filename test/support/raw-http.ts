import { request, type Agent, type IncomingHttpHeaders } from 'node:http';

/** One HTTP request, sent as given: the path is not encoded and the body is not serialised. */
export interface RawRequest {
  method: string;
  /** Path with query string, such as `/events/history?limit=3`; only printable ASCII. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** What came back: a status and body, or the error code of a failed connection. */
export type RawOutcome =
  { status: number; headers: IncomingHttpHeaders; body: string } | { error: string };

/** Options of `sendRaw()`. */
export interface RawRequestOptions {
  /** Connection pool; a new connection per request when omitted. */
  agent?: Agent;
  /** Gives up and reports `timeout` after this long. */
  timeoutMs: number;
}

/**
 * Sends one request to 127.0.0.1 and resolves with the status and body, never rejecting.
 *
 * A `text/event-stream` response never ends, so its status is taken and the connection closed
 * at once. Connection failures resolve as `{ error: code }`, such as `ECONNREFUSED`.
 */
export function sendRaw(
  port: number,
  raw: RawRequest,
  options: RawRequestOptions,
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: RawOutcome) => {
      if (!settled) {
        settled = true;
        resolve(outcome);
      }
    };

    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        method: raw.method,
        path: raw.path,
        headers: raw.headers,
        agent: options.agent ?? false,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if ((response.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          finish({ status, headers: response.headers, body: '' });
          response.destroy();
          outgoing.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          finish({
            status,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', (error: NodeJS.ErrnoException) =>
          finish({ error: error.code ?? error.message }),
        );
      },
    );
    outgoing.setTimeout(options.timeoutMs, () => {
      finish({ error: 'timeout' });
      outgoing.destroy();
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) =>
      finish({ error: error.code ?? error.message }),
    );
    outgoing.end(raw.body);
  });
}
