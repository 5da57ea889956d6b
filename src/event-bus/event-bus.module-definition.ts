import { ConfigurableModuleBuilder } from '@nestjs/common';
import { EVENT_BUS_OPTIONS } from './event-bus.constants.js';
import { AsyncApiController } from './http/asyncapi.controller.js';
import { EventMessagesController } from './http/event-messages.controller.js';
import { EventsStreamController } from './http/events-stream.controller.js';
import { EventsController } from './http/events.controller.js';
import { EventsGateway } from './streaming/ws/events.gateway.js';
import type {
  EventBusModuleExtras,
  EventBusModuleOptions,
} from './interfaces/event-bus-options.interface.js';

const DEFAULT_EXTRAS: EventBusModuleExtras = { isGlobal: false, http: true, websocket: false };

/** The `forRoot` / `forRootAsync` machinery of EventBusModule. */
export const {
  ConfigurableModuleClass: EventBusConfigurableModule,
  OPTIONS_TYPE: EVENT_BUS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: EVENT_BUS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<EventBusModuleOptions>({
  optionsInjectionToken: EVENT_BUS_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setExtras<EventBusModuleExtras>(DEFAULT_EXTRAS, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
    controllers: extras.http
      ? [EventsController, EventsStreamController, AsyncApiController, EventMessagesController]
      : [],
    providers: [...(definition.providers ?? []), ...(extras.websocket ? [EventsGateway] : [])],
  }))
  .build();
