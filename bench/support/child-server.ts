import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchExecArgv } from './group.js';

/** How long a server process may take to start and to stop. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** A server process started by a bench group, and the message it sent once ready. */
export interface ChildServer<Ready> {
  child: ChildProcess;
  ready: Ready;
}

/**
 * Forks a bench server script with the bench's Node flags and resolves with its first IPC
 * message, the ready message. Later messages go to `onMessage`.
 * @throws Error when the process exits or sends nothing within 30 s
 */
export function startChildServer<Ready>(
  script: URL,
  args: string[],
  onMessage: (message: unknown) => void = () => undefined,
): Promise<ChildServer<Ready>> {
  const child = fork(script, args, {
    execArgv: benchExecArgv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.kill('SIGKILL');
      reject(error);
    };
    const onExit = (code: number | null) =>
      fail(new Error(`${script.pathname} exited with code ${code} before it was ready`));
    const timer = setTimeout(
      () =>
        fail(new Error(`${script.pathname} sent no ready message within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );

    child.once('exit', onExit);
    child.once('message', (message) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.on('message', onMessage);
      resolve({ child, ready: message as Ready });
    });
  });
}

/** Sends a message to a server process. */
export function sendToChild(child: ChildProcess, message: unknown): void {
  child.send(message as object);
}

/** Asks a server process to stop, and kills it when it has not exited within 10 s. */
export async function stopChildServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = once(child, 'exit');
  child.send({ type: 'stop' });
  const stopped = await Promise.race([
    exited.then(() => true),
    sleep(STOP_TIMEOUT_MS, false, { ref: false }),
  ]);
  if (!stopped) {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * Runs in a server process: calls `stop` when the parent sends `{ type: 'stop' }` or goes away,
 * then exits.
 */
export function stopOnRequest(stop: () => Promise<void>): void {
  const finish = () => {
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Server stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('message', (message) => {
    if ((message as { type?: string }).type === 'stop') {
      finish();
    }
  });
  process.on('disconnect', finish);
}
