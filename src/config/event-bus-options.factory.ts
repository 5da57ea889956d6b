import type { EventBusModuleOptions } from '../event-bus/index.js';
import { parseApiKeys } from './api-keys.parser.js';
import type { ServiceEnv } from './service-env.js';

/**
 * Builds the bus options of the service: the Redis transport when `EVENT_BUS_REDIS_URL` is set,
 * otherwise the in-memory transport, with limits, keys and stream settings from the environment.
 */
export function eventBusOptionsFromEnv(env: ServiceEnv): EventBusModuleOptions {
  const transport: EventBusModuleOptions['transport'] =
    env.EVENT_BUS_REDIS_URL === undefined
      ? { type: 'memory' }
      : {
          type: 'redis',
          url: env.EVENT_BUS_REDIS_URL,
          ...(env.EVENT_BUS_KEY_PREFIX ? { keyPrefix: env.EVENT_BUS_KEY_PREFIX } : {}),
          ...(env.EVENT_BUS_CONSUMER_NAME ? { consumerName: env.EVENT_BUS_CONSUMER_NAME } : {}),
        };

  return {
    transport,
    historyCapacity: env.EVENT_BUS_HISTORY_CAPACITY,
    maxPayloadDepth: env.EVENT_BUS_MAX_PAYLOAD_DEPTH,
    maxPayloadKeys: env.EVENT_BUS_MAX_PAYLOAD_KEYS,
    shutdownTimeoutMs: env.EVENT_BUS_SHUTDOWN_TIMEOUT_MS,
    stream: { heartbeatMs: env.EVENT_BUS_HEARTBEAT_MS },
    auth: { apiKeys: parseApiKeys(env.EVENT_BUS_API_KEYS) },
    logFormat: env.EVENT_BUS_LOG_FORMAT,
  };
}
