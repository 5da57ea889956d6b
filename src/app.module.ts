import { Module } from '@nestjs/common';
import { EventBusModule } from './event-bus/index.js';
import { KarmaModule } from './karma/index.js';

/** The KarmaChain event bus service: the bus, global, and the karma domain on top of it. */
@Module({
  imports: [EventBusModule.forRoot({ isGlobal: true }), KarmaModule],
})
export class AppModule {}
