import { Module } from '@nestjs/common';
import { eventBusOptionsFromEnv } from './config/event-bus.env.js';
import { EventBusModule } from './event-bus/index.js';
import { KarmaModule } from './karma/index.js';

/** The KarmaChain event bus service: the bus, global, and the karma domain on top of it. */
@Module({
  imports: [
    EventBusModule.forRootAsync({
      isGlobal: true,
      websocket: true,
      useFactory: () => eventBusOptionsFromEnv(process.env),
    }),
    KarmaModule,
  ],
})
export class AppModule {}
