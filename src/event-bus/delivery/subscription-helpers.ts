import type { MessageContext } from '../context/message-context.js';
import type { CompiledFilter } from '../filtering/compiled-filter.js';
import { isThenable, settleWithin } from './handler-timeout.js';
import type { MessageHandler, Subscription } from '../interfaces/subscription.interface.js';

/** Wraps a handler so it runs only for messages the filter matches. */
export function filtered(handler: MessageHandler, filter: CompiledFilter): MessageHandler {
  if (!filter.hasConditions) {
    return handler;
  }
  return (envelope) => (filter.matches(envelope) ? handler(envelope) : undefined);
}

/** Presents several subscriptions, such as one per channel of a pattern, as one. */
export function combineSubscriptions(
  channel: string,
  name: string,
  parts: readonly Subscription[],
): Subscription {
  let active = true;
  return {
    channel,
    name,
    get active() {
      return active;
    },
    unsubscribe() {
      if (!active) {
        return;
      }
      active = false;
      parts.forEach((part) => part.unsubscribe());
    },
  };
}

/** Wraps a handler so its promise rejects when it does not settle within `timeoutMs`. */
export function withTimeout(
  handler: MessageHandler,
  timeoutMs: number | undefined,
): MessageHandler {
  if (timeoutMs === undefined) {
    return handler;
  }
  return (envelope) => {
    const result = handler(envelope);
    return isThenable(result) ? settleWithin(result, timeoutMs) : result;
  };
}

/**
 * Wraps the handler of a consumer-group listener: it runs in the message's causation context
 * and, with `timeoutMs`, counts as failed when it does not settle in time.
 */
export function groupHandler(
  context: MessageContext,
  handler: MessageHandler,
  timeoutMs: number | undefined,
): MessageHandler {
  const inContext: MessageHandler = (envelope) =>
    context.runHandler(envelope, () => handler(envelope), true);
  return withTimeout(inContext, timeoutMs);
}
