/**
 * Settles as `operation` does, or rejects with the signal's reason as soon as `signal` aborts.
 *
 * ioredis keeps a command that was in flight when the connection dropped, to send it again once
 * reconnected. Closed during the reconnect handshake, it never settles that command, so a reader
 * that awaited it directly would never stop.
 */
export function untilAborted<T>(operation: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    operation.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    operation.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
