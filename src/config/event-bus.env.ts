import type { EventBusModuleOptions } from '../event-bus/index.js';

/**
 * Builds the bus options of the service from environment variables: the Redis transport when
 * `EVENT_BUS_REDIS_URL` is set (with `EVENT_BUS_KEY_PREFIX` and `EVENT_BUS_CONSUMER_NAME`
 * optional), otherwise the in-memory transport.
 */
export function eventBusOptionsFromEnv(env: NodeJS.ProcessEnv): EventBusModuleOptions {
  const url = env.EVENT_BUS_REDIS_URL;
  if (url === undefined || url === '') {
    return { transport: { type: 'memory' } };
  }
  return {
    transport: {
      type: 'redis',
      url,
      ...(env.EVENT_BUS_KEY_PREFIX ? { keyPrefix: env.EVENT_BUS_KEY_PREFIX } : {}),
      ...(env.EVENT_BUS_CONSUMER_NAME ? { consumerName: env.EVENT_BUS_CONSUMER_NAME } : {}),
    },
  };
}
