import {
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  HttpStatus,
  Post,
  UseFilters,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import {
  ApiKeyGuard,
  createEventBusValidationPipe,
  EventBusExceptionFilter,
  type ChannelEnvelope,
  type KarmaAnalyticsPayload,
} from '../../event-bus/index.js';
import { KarmaAnalyticsListener } from '../analytics/karma-analytics.listener.js';
import { KarmaFeedbackService, type InfluenceReport } from '../feedback/karma-feedback.service.js';
import { KarmaLifecycleService } from '../lifecycle/karma-lifecycle.service.js';
import {
  KarmaScoreboardListener,
  type ScoreboardEntry,
} from '../scoreboard/karma-scoreboard.listener.js';
import { InfluenceRequestDto } from './influence-request.dto.js';
import { LifecycleRequestDto } from './lifecycle-request.dto.js';

/** REST routes of the karma domain. */
@Controller('karma')
@UseFilters(EventBusExceptionFilter)
@UseGuards(ApiKeyGuard)
@UsePipes(createEventBusValidationPipe())
export class KarmaController {
  constructor(
    private readonly feedback: KarmaFeedbackService,
    private readonly lifecycle: KarmaLifecycleService,
    private readonly analytics: KarmaAnalyticsListener,
    private readonly scoreboard: KarmaScoreboardListener,
  ) {}

  /** Computes a user's influence, publishes it on `karma.feedback` and returns it. */
  @Post('influence')
  @HttpCode(HttpStatus.OK)
  influence(@Body() body: InfluenceRequestDto): Promise<InfluenceReport> {
    const actions = body.actions.map((action) => ({
      type: action.type,
      occurredAt: new Date(action.occurred_at),
      magnitude: action.magnitude,
    }));
    const asOf = body.as_of === undefined ? new Date() : new Date(body.as_of);
    return this.feedback.computeInfluence(body.user_id, actions, asOf);
  }

  /** Publishes a lifecycle event on `karma.lifecycle` and returns its envelope. */
  @Post('lifecycle')
  lifecycleEvent(@Body() body: LifecycleRequestDto): Promise<ChannelEnvelope<'karma.lifecycle'>> {
    const occurredAt = body.occurred_at === undefined ? new Date() : new Date(body.occurred_at);
    return this.lifecycle.record({
      user_id: body.user_id,
      event: body.event,
      ...(body.role === undefined ? {} : { role: body.role }),
      ...(body.previous_role === undefined ? {} : { previous_role: body.previous_role }),
      ...(body.reason === undefined ? {} : { reason: body.reason }),
      occurred_at: occurredAt.toISOString(),
    });
  }

  /** Returns the latest score of a user as seen by this instance. */
  @Get('scores/:user_id')
  score(@Param('user_id') userId: string): ScoreboardEntry {
    const entry = this.scoreboard.get(userId);
    if (entry === undefined) {
      throw new NotFoundException(
        `No karma.feedback message for user "${userId}" reached this instance yet`,
      );
    }
    return entry;
  }

  /** Returns the analytics totals as of the last message handled. */
  @Get('analytics')
  currentAnalytics(): { totals: KarmaAnalyticsPayload | null } {
    return { totals: this.analytics.current() };
  }
}
