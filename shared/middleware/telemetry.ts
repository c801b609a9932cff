import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Action } from '../domain/types';
import type { WatchdogLog } from '../ports/watchdog-log';
import { redactingReplacer } from './redact-secrets';

/** Service name stamped on every log line and metric. */
export const SERVICE_NAME = 'rollout-watchdog';

/** CloudWatch namespace of the watchdog's own metrics (EMF, written through the logs). */
export const METRICS_NAMESPACE = 'RolloutWatchdog';

/**
 * Structured JSON logger shared by every module of a function. Constructed at module load
 * because construction is cheap (no I/O); the level comes from `POWERTOOLS_LOG_LEVEL`
 * (default INFO) so a stage can turn on DEBUG without a code change. Every line is serialised
 * through `redactingReplacer`, the one redaction step: Slack webhook URLs, bearer and Slack
 * tokens, AWS secret keys and session tokens and SigV4 signed-header values never reach the logs,
 * whether in the message, an error's message and stack, or a nested extra field. `watchdogLog`
 * below writes through this logger, so it is redacted too.
 */
export const logger = new Logger({ serviceName: SERVICE_NAME, jsonReplacerFn: redactingReplacer });

/**
 * The watchdog's own metrics, flushed once per invocation by `makeHandler` (Embedded Metric
 * Format on stdout: no PutMetricData call, so no latency and no extra IAM permission).
 */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/** The structured logger in the shape the watchdog's orchestration code takes (`WatchdogLog`). */
export const watchdogLog: WatchdogLog = {
  debug: (message, extra) => logger.debug(message, extra ?? {}),
  info: (message, extra) => logger.info(message, extra ?? {}),
  warn: (message, extra) => logger.warn(message, extra ?? {}),
  error: (message, extra) => logger.error(message, extra ?? {}),
};

/** Metric names, kept here so dashboards and alarms in `resources/` match the code. */
export const METRIC = {
  decisions: 'Decisions',
  rollbacks: 'Rollbacks',
  tickDuration: 'TickDuration',
  rolloutsJudged: 'RolloutsJudged',
  notificationsPublished: 'NotificationsPublished',
  notificationsFailed: 'NotificationsFailed',
  slackDelivered: 'SlackDelivered',
  slackPermanentFailures: 'SlackPermanentFailures',
  slackTransientFailures: 'SlackTransientFailures',
  slackWebhookRevokedAlerts: 'SlackWebhookRevokedAlerts',
  malformedEvents: 'MalformedEvents',
  /** Events refused by shared/events/authenticate-event.ts: foreign, forged or far from the clock. */
  refusedEvents: 'RefusedEvents',
  /** Control API requests whose body is over the cap (answered 413 before any parsing). */
  oversizedRequests: 'OversizedRequests',
  /** Canary weight per endpoint, percent, dimension `EndpointName` only (see recordCanaryWeight). */
  canaryWeight: 'CanaryWeight',
  /** Rollouts the tick could not process (an error isolated to one rollout). */
  tickRolloutErrors: 'TickRolloutErrors',
} as const;

/** Dimension of the per-endpoint metrics; its values are endpoint names, as few as the rollouts. */
export const ENDPOINT_DIMENSION = 'EndpointName';

const ACTION_METRIC: Readonly<Record<Action, string>> = {
  hold: 'HoldDecisions',
  advance: 'AdvanceDecisions',
  pause: 'PauseDecisions',
  promote: 'PromoteDecisions',
  rollback: 'RollbackDecisions',
  inconclusive: 'InconclusiveDecisions',
};

/**
 * Counts `count` engine decisions of one `action`: the total `Decisions` plus one metric per
 * action (separate metric names rather than a dimension, so all share one EMF blob per invocation).
 */
export function recordDecision(action: Action, count = 1): void {
  metrics.addMetric(METRIC.decisions, MetricUnit.Count, count);
  metrics.addMetric(ACTION_METRIC[action], MetricUnit.Count, count);
}

/** Counts `count` rollbacks that moved traffic; `source` says who triggered them (tick, alarm, operator). */
export function recordRollback(source: 'tick' | 'alarm' | 'operator', count = 1): void {
  metrics.addMetric(METRIC.rollbacks, MetricUnit.Count, count);
  metrics.addMetric(
    `${METRIC.rollbacks}From${source[0]?.toUpperCase()}${source.slice(1)}`,
    MetricUnit.Count,
    count,
  );
}

/** Records how long one canary tick took, in milliseconds. */
export function recordTickDuration(milliseconds: number): void {
  metrics.addMetric(METRIC.tickDuration, MetricUnit.Milliseconds, milliseconds);
}

/**
 * Publishes one endpoint's canary weight in percent (`CanaryWeight`, dimension `EndpointName` and
 * nothing else, so the endpoints dashboard finds every endpoint with one SEARCH and draws it beside
 * SageMaker's per-variant errors). One EMF line of its own per endpoint: a blob has one dimension
 * set, and the invocation's other metrics keep theirs. Written through the logs, so no API call.
 */
export function recordCanaryWeight(endpointName: string, percent: number): void {
  const single = metrics.singleMetric();
  single.clearDefaultDimensions();
  single.addDimension(ENDPOINT_DIMENSION, endpointName);
  single.addMetric(METRIC.canaryWeight, MetricUnit.Percent, percent);
}

/** Records how many active rollouts one tick judged. */
export function recordRolloutsJudged(count: number): void {
  metrics.addMetric(METRIC.rolloutsJudged, MetricUnit.Count, count);
}

/**
 * Counts any other notable event (`MalformedEvents`, `SlackPermanentFailures`, ...). Prefer the
 * names in `METRIC`; a new name is fine when nothing else fits.
 */
export function countEvent(name: string, count = 1): void {
  metrics.addMetric(name, MetricUnit.Count, count);
}
