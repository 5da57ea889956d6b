/**
 * Collects process warnings, such as `MaxListenersExceededWarning`, while started.
 *
 * It listens to `process` 'warning' and also reads the warning lines Node writes to stderr.
 * NOTE: Jest gives each test file a copy of `process`, and warnings that Node's own modules emit
 * (the listener-leak warning of `EventEmitter` is one) reach only the real process. Node still
 * prints them to stderr as `(node:PID) Name: message`, so the stderr lines are the reliable part.
 */
export class WarningWatch {
  readonly warnings: string[] = [];
  private originalWrite: typeof process.stderr.write | undefined;

  private readonly onWarning = (warning: Error): void => {
    this.warnings.push(`${warning.name}: ${warning.message}`);
  };

  start(): void {
    process.on('warning', this.onWarning);

    const stderr = process.stderr;
    const originalWrite = stderr.write;
    this.originalWrite = originalWrite;
    stderr.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const match = /\(node:\d+\) (\w+Warning: .*)/.exec(text);
      if (match !== null) {
        this.warnings.push(match[1]);
      }
      return (originalWrite as (...args: unknown[]) => boolean).call(stderr, chunk, ...rest);
    };
  }

  stop(): void {
    process.off('warning', this.onWarning);
    if (this.originalWrite !== undefined) {
      process.stderr.write = this.originalWrite;
      this.originalWrite = undefined;
    }
  }

  /** Warnings whose name is `name`, such as `MaxListenersExceededWarning`. */
  named(name: string): string[] {
    return this.warnings.filter((warning) => warning.startsWith(`${name}:`));
  }
}
