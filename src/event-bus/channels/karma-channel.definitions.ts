import { KARMA_ANALYTICS, KARMA_FEEDBACK, KARMA_LIFECYCLE } from './karma.channels.js';
import type { ChannelDefinition } from '../interfaces/channel-definition.interface.js';
import { EVENT_BUS_SCHEMA_ID } from '../validation/event-bus-schema.js';

function payloadSchema(definition: string): Record<string, unknown> {
  return { $ref: `${EVENT_BUS_SCHEMA_ID}#/$defs/${definition}` };
}

/** The built-in channels, registered by every `EventBusModule`. */
export const KARMA_CHANNEL_DEFINITIONS: readonly ChannelDefinition[] = [
  {
    name: KARMA_FEEDBACK,
    schema: payloadSchema('karmaFeedbackPayload'),
    description: 'Influence results of the karma feedback engine',
  },
  {
    name: KARMA_LIFECYCLE,
    schema: payloadSchema('karmaLifecyclePayload'),
    description: 'User lifecycle events: birth, death, role changes and more',
  },
  {
    name: KARMA_ANALYTICS,
    schema: payloadSchema('karmaAnalyticsPayload'),
    description: 'Running aggregates published by the analytics listener',
  },
];
