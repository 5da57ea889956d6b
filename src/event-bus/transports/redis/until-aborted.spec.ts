import { describe, expect, it } from '@jest/globals';
import { untilAborted } from './until-aborted.js';

/** Returns a promise that never settles, like a command ioredis keeps after a dropped connection. */
function neverSettles(): Promise<string> {
  return new Promise<string>(() => undefined);
}

describe('untilAborted', () => {
  it('resolves with the operation', async () => {
    const controller = new AbortController();

    await expect(untilAborted(Promise.resolve('reply'), controller.signal)).resolves.toBe('reply');
  });

  it('rejects with the operation error', async () => {
    const controller = new AbortController();
    const failure = new Error('READONLY');

    await expect(untilAborted(Promise.reject(failure), controller.signal)).rejects.toBe(failure);
  });

  it('rejects on abort while the operation is pending', async () => {
    const controller = new AbortController();
    const waiting = untilAborted(neverSettles(), controller.signal);

    controller.abort(new Error('reader stopped'));

    await expect(waiting).rejects.toThrow('reader stopped');
  });

  it('rejects at once when already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('reader stopped'));

    await expect(untilAborted(Promise.resolve('late'), controller.signal)).rejects.toThrow(
      'reader stopped',
    );
  });

  it('ignores a later abort once settled', async () => {
    const controller = new AbortController();
    const settled = await untilAborted(Promise.resolve('reply'), controller.signal);

    controller.abort(new Error('reader stopped'));

    expect(settled).toBe('reply');
  });

  it('handles a rejection after abort', async () => {
    const controller = new AbortController();
    let rejectLater: (error: Error) => void = () => undefined;
    const operation = new Promise<string>((_, reject) => (rejectLater = reject));
    const waiting = untilAborted(operation, controller.signal);

    controller.abort(new Error('reader stopped'));
    rejectLater(new Error('Connection is closed.'));

    await expect(waiting).rejects.toThrow('reader stopped');
    await expect(operation).rejects.toThrow('Connection is closed.');
  });
});
