/**
 * Collects `unhandledRejection` and `uncaughtException` events while started.
 *
 * NOTE: Jest gives each test file a copy of `process`, and events of the real process do not
 * reach listeners added to that copy. Jest itself fails the running test on a real unhandled
 * rejection or uncaught exception, so that check does not depend on this class.
 */
export class ProcessFailureSpy {
  readonly failures: string[] = [];

  private readonly onRejection = (reason: unknown): void => {
    this.failures.push(`unhandledRejection: ${describeReason(reason)}`);
  };

  private readonly onException = (error: unknown): void => {
    this.failures.push(`uncaughtException: ${describeReason(error)}`);
  };

  start(): void {
    process.on('unhandledRejection', this.onRejection);
    process.on('uncaughtException', this.onException);
  }

  stop(): void {
    process.off('unhandledRejection', this.onRejection);
    process.off('uncaughtException', this.onException);
  }
}

function describeReason(reason: unknown): string {
  return reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
}
