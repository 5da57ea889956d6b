import { AsyncLocalStorage } from 'node:async_hooks';
import type { Envelope, EnvelopeMetadata } from '../envelope/envelope.interface.js';

/** Context a publish inherits from the code it runs in: a message being handled, or a request. */
export interface MessageContextStore {
  /** The message being handled; a publish meanwhile is caused by it. */
  cause?: Envelope;
  /** The correlation id of the flow, from the cause or from a request's X-Correlation-Id. */
  correlationId?: string;
}

/**
 * Carries causation and correlation through async code with AsyncLocalStorage, so a handler
 * that publishes needs to pass nothing: the new message gets `causation_id` (the handled
 * message) and `correlation_id` (inherited, or the root message's id).
 */
export class MessageContext {
  private readonly storage = new AsyncLocalStorage<MessageContextStore>();
  /** The message whose plain (not async) handler is running right now. */
  private syncCause: Envelope | undefined;

  /**
   * Runs a handler so that what it publishes counts as caused by `envelope`.
   *
   * An `async` handler runs in AsyncLocalStorage, which follows it across awaits. A plain
   * handler only needs the context while it runs, so a variable set around the call is
   * enough and costs far less per delivery. NOTE: a plain function that returns a promise and
   * publishes in a later callback loses the causation; declare such handlers `async`.
   */
  runHandler<T>(envelope: Envelope, handler: () => T, isAsync: boolean): T {
    if (isAsync) {
      const correlationId = envelope.metadata?.correlation_id ?? envelope.message_id;
      return this.storage.run({ cause: envelope, correlationId }, handler);
    }

    const previous = this.syncCause;
    this.syncCause = envelope;
    try {
      return handler();
    } finally {
      this.syncCause = previous;
    }
  }

  /** Runs request handling with a correlation id taken from the request. */
  runRequest<T>(correlationId: string, handler: () => T): T {
    return this.storage.run({ correlationId }, handler);
  }

  /**
   * Adds `causation_id` and `correlation_id` from the current context to a publish's metadata;
   * values the publisher set win. Returns the metadata unchanged outside any context.
   */
  complete(metadata: EnvelopeMetadata | undefined): EnvelopeMetadata | undefined {
    const cause = this.syncCause;
    const store =
      cause === undefined
        ? this.storage.getStore()
        : { cause, correlationId: cause.metadata?.correlation_id ?? cause.message_id };
    if (store === undefined) {
      return metadata;
    }

    const inherited: EnvelopeMetadata = {};
    if (store.cause !== undefined) {
      inherited.causation_id = store.cause.message_id;
    }
    if (store.correlationId !== undefined) {
      inherited.correlation_id = store.correlationId;
    }
    return Object.assign(inherited, metadata);
  }
}

/** Returns true for functions declared `async`. */
export function isAsyncFunction(fn: unknown): boolean {
  return typeof fn === 'function' && fn.constructor?.name === 'AsyncFunction';
}
