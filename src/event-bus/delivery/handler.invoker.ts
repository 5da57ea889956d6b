import { Logger } from '@nestjs/common';
import type { MessageContext } from '../context/message-context.js';
import type { Envelope } from '../envelope/envelope.interface.js';
import type { NewDeadLetter } from '../interfaces/dead-letter.interface.js';
import type { ListenerChannelMetrics } from '../metrics/bus-metrics.js';
import type { ChannelSubscription } from './channel-subscription.js';
import { isThenable, settleWithin } from './handler-timeout.js';
import type { ListenerFailureReporter } from './listener-failure.reporter.js';
import { retryDelayMs } from './retry-backoff.js';

/** Stores a dead letter; the transport provides it. */
export type DeadLetterSink = (letter: NewDeadLetter) => Promise<void>;

const DEFAULT_RETRY_BASE_MS = 100;
const DEFAULT_RETRY_MAX_MS = 5_000;

/**
 * Calls handlers with isolation: a throw, a rejection or a timeout is logged, counted, retried
 * as the subscriber's policy sets and finally stored as a dead letter if asked, and never
 * reaches the publisher or other subscribers.
 */
export class HandlerInvoker {
  private readonly logger = new Logger('EventBus');
  private pending = 0;
  private idleWaiters: (() => void)[] = [];
  private deadLetterSink: DeadLetterSink = () => Promise.resolve();

  constructor(
    private readonly failures: ListenerFailureReporter,
    private readonly context: MessageContext,
  ) {}

  /** Sets where dead letters go. */
  setDeadLetterSink(sink: DeadLetterSink): void {
    this.deadLetterSink = sink;
  }

  invoke(subscription: ChannelSubscription, envelope: Envelope, attempt = 1): void {
    if (!subscription.active) {
      return;
    }
    const metrics = subscription.metricsFor(envelope.channel);
    metrics.delivered();

    const started = performance.now();
    let result: unknown;
    try {
      result = this.context.runHandler(
        envelope,
        () => subscription.handler(envelope),
        subscription.isAsync,
      );
    } catch (error) {
      metrics.observeDuration((performance.now() - started) / 1000);
      this.fail(subscription, envelope, attempt, error, metrics);
      return;
    }
    if (!isThenable(result)) {
      metrics.observeDuration((performance.now() - started) / 1000);
      return;
    }

    const timeoutMs = subscription.policy.timeoutMs;
    const settled = timeoutMs === undefined ? result : settleWithin(result, timeoutMs);
    this.pending++;
    settled.then(
      () => {
        metrics.observeDuration((performance.now() - started) / 1000);
        this.settle();
      },
      (error: unknown) => {
        metrics.observeDuration((performance.now() - started) / 1000);
        this.fail(subscription, envelope, attempt, error, metrics);
        this.settle();
      },
    );
  }

  /** Resolves once no handler promise, retry or dead-letter write is pending. */
  idle(): Promise<void> {
    if (this.pending === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private fail(
    subscription: ChannelSubscription,
    envelope: Envelope,
    attempt: number,
    error: unknown,
    metrics: ListenerChannelMetrics,
  ): void {
    metrics.failed();
    this.failures.report(subscription.name, envelope, error);

    const { retry, deadLetter } = subscription.policy;
    if (retry !== undefined && attempt < retry.attempts && subscription.active) {
      metrics.retried();
      this.scheduleRetry(subscription, envelope, attempt);
      return;
    }
    if (deadLetter) {
      metrics.deadLettered();
      this.storeDeadLetter(subscription, envelope, attempt, error);
    }
  }

  private scheduleRetry(
    subscription: ChannelSubscription,
    envelope: Envelope,
    attempt: number,
  ): void {
    const retry = subscription.policy.retry;
    const delay = retryDelayMs(
      attempt,
      retry?.baseMs ?? DEFAULT_RETRY_BASE_MS,
      retry?.maxMs ?? DEFAULT_RETRY_MAX_MS,
    );
    this.pending++;
    setTimeout(() => {
      // Invoking before settling keeps idle() from resolving between the two.
      this.invoke(subscription, envelope, attempt + 1);
      this.settle();
    }, delay);
  }

  private storeDeadLetter(
    subscription: ChannelSubscription,
    envelope: Envelope,
    attempts: number,
    error: unknown,
  ): void {
    this.pending++;
    this.deadLetterSink({
      envelope,
      error: error instanceof Error ? error.message : String(error),
      listener: subscription.name,
      group: null,
      attempts,
      failed_at: new Date().toISOString(),
    })
      .catch((storeError: Error) =>
        this.logger.error(
          `Could not store ${envelope.channel} message ${envelope.message_id} as a dead letter ` +
            `of ${subscription.name}: ${storeError.message}`,
        ),
      )
      .finally(() => this.settle());
  }

  private settle(): void {
    this.pending--;
    if (this.pending === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((resolve) => resolve());
    }
  }
}
