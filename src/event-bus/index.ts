export {
  KARMA_ANALYTICS,
  KARMA_BANDS,
  KARMA_CHANNELS,
  KARMA_FEEDBACK,
  KARMA_LIFECYCLE,
  INFLUENCE_SIGNALS,
  LIFECYCLE_EVENTS,
} from './channels/karma.channels.js';
export type {
  InfluenceSignal,
  KarmaAnalyticsPayload,
  KarmaBand,
  KarmaFeedbackPayload,
  KarmaLifecyclePayload,
  LifecycleEventType,
} from './channels/karma.channels.js';
export type {
  AnyChannelEnvelope,
  ChannelEnvelope,
  ChannelMapOf,
  ChannelName,
  ChannelPattern,
  EventBusChannels,
  PayloadOf,
} from './channels/channel-map.interface.js';
export { OnChannel } from './decorators/on-channel.decorator.js';
export type {
  DeepReadonly,
  Envelope,
  EnvelopeMetadata,
  JsonValue,
} from './envelope/envelope.interface.js';
export { EventBusModule } from './event-bus.module.js';
export { EventBusService } from './event-bus.service.js';
export {
  DEFAULT_HISTORY_CAPACITY,
  DEFAULT_HISTORY_LIMIT,
  MAX_HISTORY_LIMIT,
} from './event-bus.constants.js';
export { BusShuttingDownException } from './exceptions/bus-shutting-down.exception.js';
export { DeadLetterNotFoundException } from './exceptions/dead-letter-not-found.exception.js';
export { EventBusException } from './exceptions/event-bus.exception.js';
export { InvalidFilterException } from './exceptions/invalid-filter.exception.js';
export { TransportUnavailableException } from './exceptions/transport-unavailable.exception.js';
export type { FilterValue, MessageFilter } from './filtering/message-filter.interface.js';
export type {
  DeadLetter,
  DeadLetterPage,
  DeadLetterQuery,
} from './interfaces/dead-letter.interface.js';
export type { DeliveryPolicy, RetryPolicy } from './interfaces/delivery-policy.interface.js';
export type { GapReason, StreamGap } from './streaming/stream-event.interface.js';
export { InvalidChannelDefinitionException } from './exceptions/invalid-channel-definition.exception.js';
export { InvalidHistoryQueryException } from './exceptions/invalid-history-query.exception.js';
export { InvalidPayloadException } from './exceptions/invalid-payload.exception.js';
export { UnknownChannelException } from './exceptions/unknown-channel.exception.js';
export { EventBusExceptionFilter } from './http/event-bus-exception.filter.js';
export { createEventBusValidationPipe } from './http/validation.pipe.js';
export type { ChannelDefinition } from './interfaces/channel-definition.interface.js';
export type { ChannelInfo, EventBusStatus } from './interfaces/channel-info.interface.js';
export { ApiKeyGuard } from './auth/api-key.guard.js';
export { AllowApiKeyQuery, RequiredScope } from './auth/required-scope.decorator.js';
export type {
  ApiKeyDefinition,
  ApiKeyScope,
  AuthOptions,
  EventBusModuleExtras,
  EventBusModuleOptions,
  MemoryTransportOptions,
  RedisTransportOptions,
  StreamOptions,
} from './interfaces/event-bus-options.interface.js';
export type {
  HistoryOrder,
  HistoryPage,
  HistoryQuery,
} from './interfaces/history-query.interface.js';
export type { MessageTrace } from './interfaces/message-trace.interface.js';
export type { OnChannelOptions } from './interfaces/on-channel-options.interface.js';
export type {
  MessageHandler,
  SubscribeOptions,
  Subscription,
} from './interfaces/subscription.interface.js';
export {
  CLOUDEVENTS_SPEC_VERSION,
  DEFAULT_CLOUDEVENT_SOURCE,
  fromCloudEvent,
  toCloudEvent,
} from './cloudevents/cloud-event.mapper.js';
export type { CloudEventJson, CloudEventOptions } from './cloudevents/cloud-event.interface.js';
export { InvalidCloudEventException } from './cloudevents/invalid-cloud-event.exception.js';
export { MESSAGE_FORMATS, type MessageFormat } from './cloudevents/message-format.js';
export { EnvelopeDto, EnvelopeMetadataDto } from './http/dto/envelope.dto.js';
export { ErrorResponseDto } from './http/dto/error-response.dto.js';
export {
  API_KEY_SECURITY_SCHEME,
  ApiKeyAuth,
  BEARER_SECURITY_SCHEME,
} from './http/openapi.decorators.js';
