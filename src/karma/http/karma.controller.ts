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
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  ApiKeyAuth,
  ApiKeyGuard,
  createEventBusValidationPipe,
  EnvelopeDto,
  ErrorResponseDto,
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
import {
  AnalyticsResponseDto,
  InfluenceReportDto,
  ScoreboardEntryDto,
} from './karma-responses.dto.js';
import { LifecycleRequestDto } from './lifecycle-request.dto.js';

const CORRELATION_ID_HEADER = {
  name: 'X-Correlation-Id',
  required: false,
  description: 'Travels in metadata.correlation_id of the message published.',
};

const INVALID_BODY = {
  type: ErrorResponseDto,
  description: 'The body is invalid; message lists each field at fault.',
  example: {
    statusCode: 400,
    error: 'Bad Request',
    message: ['actions.0.type must be one of: help, create, share, vote, report, spam, harm'],
    field: 'actions',
  },
};

const TRANSPORT_UNAVAILABLE = {
  type: ErrorResponseDto,
  description: 'The Redis transport cannot reach Redis, so nothing was published.',
};

/** REST routes of the karma domain. */
@Controller('karma')
@UseFilters(EventBusExceptionFilter)
@UseGuards(ApiKeyGuard)
@UsePipes(createEventBusValidationPipe())
@ApiTags('karma')
@ApiKeyAuth()
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
  @ApiOperation({
    summary: "Compute a user's influence",
    description: 'Publishes the result on karma.feedback and returns it with the message id.',
  })
  @ApiHeader(CORRELATION_ID_HEADER)
  @ApiOkResponse({ type: InfluenceReportDto })
  @ApiBadRequestResponse(INVALID_BODY)
  @ApiServiceUnavailableResponse(TRANSPORT_UNAVAILABLE)
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
  @ApiOperation({
    summary: 'Record a lifecycle event',
    description: 'Publishes the event on karma.lifecycle and returns its envelope.',
  })
  @ApiHeader(CORRELATION_ID_HEADER)
  @ApiCreatedResponse({ type: EnvelopeDto })
  @ApiBadRequestResponse({
    ...INVALID_BODY,
    example: {
      statusCode: 400,
      error: 'Bad Request',
      message: ['role must be a string of 1 to 64 characters (required for role_change)'],
      field: 'role',
    },
  })
  @ApiServiceUnavailableResponse(TRANSPORT_UNAVAILABLE)
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
  @ApiOperation({ summary: 'Read the latest score of a user seen by this instance' })
  @ApiParam({ name: 'user_id', example: 'user-42' })
  @ApiOkResponse({ type: ScoreboardEntryDto })
  @ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: 'No karma.feedback message for the user reached this instance yet.',
    example: {
      statusCode: 404,
      error: 'Not Found',
      message: 'No karma.feedback message for user "user-9" reached this instance yet',
    },
  })
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
  @ApiOperation({ summary: 'Read the analytics totals as of the last message handled' })
  @ApiOkResponse({ type: AnalyticsResponseDto })
  currentAnalytics(): { totals: KarmaAnalyticsPayload | null } {
    return { totals: this.analytics.current() };
  }
}
