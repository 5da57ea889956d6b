import { Module } from '@nestjs/common';
import { KarmaAnalyticsListener } from './analytics/karma-analytics.listener.js';
import { KarmaFeedbackService } from './feedback/karma-feedback.service.js';
import { KarmaController } from './http/karma.controller.js';
import { KarmaLifecycleService } from './lifecycle/karma-lifecycle.service.js';
import { KarmaScoreboardListener } from './scoreboard/karma-scoreboard.listener.js';

/** The KarmaChain domain: feedback engine, lifecycle engine and analytics, talking over the bus. */
@Module({
  controllers: [KarmaController],
  providers: [
    KarmaFeedbackService,
    KarmaLifecycleService,
    KarmaAnalyticsListener,
    KarmaScoreboardListener,
  ],
  exports: [KarmaFeedbackService, KarmaLifecycleService],
})
export class KarmaModule {}
