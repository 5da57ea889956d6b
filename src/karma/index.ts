export { KarmaModule } from './karma.module.js';
export { KarmaFeedbackService, type InfluenceReport } from './feedback/karma-feedback.service.js';
export { KarmaLifecycleService } from './lifecycle/karma-lifecycle.service.js';
export { KarmaAnalyticsListener } from './analytics/karma-analytics.listener.js';
export {
  ACTION_WEIGHTS,
  computeInfluence,
  type ActionType,
  type InfluenceResult,
  type KarmaAction,
} from './feedback/influence.model.js';
export {
  KarmaScoreboardListener,
  type ScoreboardEntry,
} from './scoreboard/karma-scoreboard.listener.js';
