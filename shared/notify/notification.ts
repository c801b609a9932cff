import type { DecisionCause } from '../domain/decision-cause';
import type { EndpointChange } from '../domain/endpoint-change';
import type { Action, Evidence, Phase, RolloutPolicy, RolloutState, Transition } from '../domain/types';
import { splitTraffic } from '../domain/weights-of';
import { ALERT_NEXT } from '../wording/describe-alert';
import { describeNext } from '../wording/describe-next';
import type { AlertKind } from './alert-cause';

export type { AlertKind } from './alert-cause';

/**
 * What the watchdog announces on its SNS topic. One shape for every subscriber: the email body
 * and the Slack message are rendered from it, and the `lambda` key of the SNS message carries
 * it as JSON for the Slack notifier and region sync.
 */
export type NotificationEventType =
  | 'rollout.started'
  | 'rollout.advanced'
  | 'rollout.held'
  | 'rollout.inconclusive'
  | 'rollout.paused'
  | 'rollout.resumed'
  | 'rollout.promoted'
  | 'rollout.rollback-staged'
  /** A blue/green deployment: the watchdog asked SageMaker to roll back (through its verdict alarm), or SageMaker is rolling back. */
  | 'rollout.rollback-requested'
  | 'rollout.rolled-back'
  | 'rollout.aborted'
  | 'rollout.endpoint-changed'
  | 'rollout.alert';

export type Severity = 'info' | 'warning' | 'critical';

/** Who caused the event. */
export type NotificationSource = 'tick' | 'alarm' | 'operator' | 'system';

/** Schema version of the JSON carried on the topic; bump on incompatible change. */
export const NOTIFICATION_VERSION = 1;

export interface RolloutNotification {
  version: typeof NOTIFICATION_VERSION;
  eventType: NotificationEventType;
  severity: Severity;
  endpointName: string;
  region: string;
  /** Phase after the event (null when the alert concerns an endpoint without a rollout state). */
  phase: Phase | null;
  /** The engine's action, or `alert` for alerts raised outside the engine. */
  action: Action | 'start' | 'alert';
  /** One sentence, with the numbers, saying why. */
  reason: string;
  /** The same why as data: the engine's decision cause (absent for alerts). */
  cause?: DecisionCause;
  baselineVariant: string | null;
  canaryVariant: string | null;
  /** Traffic share per variant in percent after the event. */
  weights: Record<string, number>;
  /** Traffic share before the event, when it changed. */
  previousWeights?: Record<string, number>;
  /** 0-based step index and the number of steps of the policy. */
  step?: { index: number; count: number };
  evidence?: Evidence;
  /** ISO time of the event (the event's time, not the wall clock). */
  time: string;
  /** What happens next, in plain words. */
  next: string;
  /** How to intervene: exact commands, one per entry. */
  intervene: string[];
  source: NotificationSource;
  /** Operator identity (IAM ARN) for operator commands. */
  actor?: string;
  correlationId?: string;
  alertKind?: AlertKind;
  /** Validation problems of an invalid policy, or other itemised detail. */
  problems?: string[];
  /**
   * A step of the endpoint lifecycle (`rollout.endpoint-changed`): which change, where it stands,
   * the configs involved and the instances it adds and releases.
   */
  endpointChange?: Pick<
    EndpointChange,
    'kind' | 'status' | 'targetConfig' | 'previousConfig' | 'model' | 'added' | 'released' | 'failure'
  >;
  /** Regions to sync after a promotion. */
  regions?: Array<{ region: string; endpointName: string }>;
  /**
   * Stable identity of this announcement (`rolloutId#rolloutVersion#n`): a copy published again
   * after a crash carries the same id, so a consumer can drop it.
   */
  notificationId?: string;
  /** Version of the rollout record this decision produced; orders the messages of one rollout. */
  rolloutVersion?: number;
  /**
   * The rollout as it stood when this message was published. When `current.version` is above
   * `rolloutVersion`, a later decision overtook this one before delivery: the message is an
   * earlier decision, not the current state, and is presented as such.
   */
  current?: NotificationCurrent;
}

/** Where the rollout stands at publish time (see RolloutNotification.current). */
export interface NotificationCurrent {
  /** `rolloutVersion` of the latest decision announced for this rollout (bookkeeping writes do not count). */
  version: number;
  phase: Phase;
  canaryWeight: number;
}

/** True when a later decision overtook `n` before it was published. */
export function isSuperseded(n: Pick<RolloutNotification, 'rolloutVersion' | 'current'>): boolean {
  return n.rolloutVersion !== undefined && n.current !== undefined && n.current.version > n.rolloutVersion;
}

/**
 * Placeholder for the control API's base URL in intervention commands. The deployed URL is
 * printed by `serverless info`; notifications name the variable rather than guess it.
 */
export const API_URL_PLACEHOLDER = '$ROLLOUT_WATCHDOG_API';

export interface TransitionNotificationArgs {
  policy: RolloutPolicy;
  /** State before the transition; null when the transition started the rollout. */
  before: RolloutState | null;
  transition: Transition;
  source: NotificationSource;
  actor?: string;
  correlationId?: string;
  /** Base URL of the control API for the intervention commands (default: API_URL_PLACEHOLDER). */
  apiUrl?: string;
  /** Event time, epoch ms (default: the evidence window's end, else the step's start). */
  now?: number;
}

/**
 * Builds the notification for one engine transition. The event type comes from
 * `before` (null: started; Paused to Progressing: resumed) and from the decision's `action` and
 * the new `phase`; the severity from the event type; `next` and `intervene` from the policy's
 * steps and the new state. It never decides whether to send: the caller notifies only for the
 * transitions it committed.
 */
export function notificationFromTransition(args: TransitionNotificationArgs): RolloutNotification {
  const { policy, before, transition, source } = args;
  const { state, decision } = transition;
  const eventType = eventTypeOf(before, transition);
  const weights = splitTraffic(policy, state.canaryWeight);
  const previousWeights =
    before && before.canaryWeight !== state.canaryWeight
      ? splitTraffic(policy, before.canaryWeight)
      : undefined;
  const notification: RolloutNotification = {
    version: NOTIFICATION_VERSION,
    eventType,
    severity: severityOf(eventType),
    endpointName: policy.endpoint.name,
    region: policy.endpoint.region,
    phase: state.phase,
    action: before === null ? 'start' : decision.action,
    reason: decision.reason,
    baselineVariant: policy.endpoint.baselineVariant,
    canaryVariant: policy.endpoint.canaryVariant,
    weights,
    step: { index: Math.min(state.stepIndex, policy.steps.length), count: policy.steps.length },
    evidence: decision.evidence,
    time: args.now !== undefined ? new Date(args.now).toISOString() : isoTime(state, decision.evidence),
    next: describeNext(policy, state),
    intervene: interventionsFor(
      policy.endpoint.name,
      state.phase,
      args.apiUrl ?? API_URL_PLACEHOLDER,
      undefined,
      policy.endpoint.region,
    ),
    source,
  };
  if (decision.cause) notification.cause = decision.cause;
  if (previousWeights) notification.previousWeights = previousWeights;
  if (args.actor) notification.actor = args.actor;
  if (args.correlationId) notification.correlationId = args.correlationId;
  if (eventType === 'rollout.promoted' && policy.regions.length > 0) {
    notification.regions = policy.regions.map((r) => ({ region: r.region, endpointName: r.endpointName }));
  }
  return notification;
}

export interface EndpointChangeNotificationArgs {
  policy: RolloutPolicy;
  state: RolloutState;
  change: EndpointChange;
  /** Event time, epoch ms. */
  now: number;
  reason: string;
  next: string;
  source: NotificationSource;
  correlationId?: string;
  apiUrl?: string;
}

/**
 * Builds a `rollout.endpoint-changed`: a step of the endpoint lifecycle (canary deployed,
 * baseline retired, canary removed, or one of them failed). Severity: critical when the change
 * failed, info otherwise. The instances it adds and releases are in `endpointChange` and in the
 * reason, so every subscriber sees the cost.
 */
export function endpointChangeNotification(args: EndpointChangeNotificationArgs): RolloutNotification {
  const { policy, state, change } = args;
  const notification: RolloutNotification = {
    version: NOTIFICATION_VERSION,
    eventType: 'rollout.endpoint-changed',
    severity: change.status === 'failed' ? 'critical' : 'info',
    endpointName: policy.endpoint.name,
    region: policy.endpoint.region,
    phase: state.phase,
    action: 'alert',
    reason: args.reason,
    baselineVariant: policy.endpoint.baselineVariant,
    canaryVariant: policy.endpoint.canaryVariant,
    weights: splitTraffic(policy, state.canaryWeight),
    step: { index: Math.min(state.stepIndex, policy.steps.length), count: policy.steps.length },
    time: new Date(args.now).toISOString(),
    next: args.next,
    intervene: interventionsFor(
      policy.endpoint.name,
      state.phase,
      args.apiUrl ?? API_URL_PLACEHOLDER,
      undefined,
      policy.endpoint.region,
    ),
    source: args.source,
    endpointChange: {
      kind: change.kind,
      status: change.status,
      ...(change.targetConfig ? { targetConfig: change.targetConfig } : {}),
      ...(change.previousConfig ? { previousConfig: change.previousConfig } : {}),
      ...(change.model ? { model: change.model } : {}),
      ...(change.added ? { added: change.added } : {}),
      ...(change.released ? { released: change.released } : {}),
      ...(change.failure ? { failure: change.failure } : {}),
    },
  };
  if (args.correlationId) notification.correlationId = args.correlationId;
  return notification;
}

export interface AlertNotificationArgs {
  kind: AlertKind;
  endpointName: string;
  region: string;
  /** Event time, epoch ms (the event's time, not the wall clock). */
  now: number;
  reason: string;
  /** Default: critical for missing variant / failed or missing endpoint, warning otherwise. */
  severity?: Severity;
  policy?: RolloutPolicy;
  state?: RolloutState;
  problems?: string[];
  /** Overrides the default "what happens next" text for this kind. */
  next?: string;
  source?: NotificationSource;
  correlationId?: string;
  apiUrl?: string;
}

/**
 * Builds a `rollout.alert`: something a person must look at that is not an engine decision
 * (drift or a manual weight change, a missing variant, an invalid or missing stored policy, a
 * failed or missing endpoint). `kind` drives the default severity and the "next" text; `state`
 * (when known) the phase, weights and intervention commands.
 */
export function alertNotification(args: AlertNotificationArgs): RolloutNotification {
  const phase = args.state?.phase ?? null;
  const weights = args.policy && args.state ? splitTraffic(args.policy, args.state.canaryWeight) : {};
  const notification: RolloutNotification = {
    version: NOTIFICATION_VERSION,
    eventType: 'rollout.alert',
    severity: args.severity ?? ALERT_SEVERITY[args.kind],
    endpointName: args.endpointName,
    region: args.region,
    phase,
    action: 'alert',
    reason: args.reason,
    baselineVariant: args.policy?.endpoint.baselineVariant ?? null,
    canaryVariant: args.policy?.endpoint.canaryVariant ?? null,
    weights,
    time: new Date(args.now).toISOString(),
    next: args.next ?? ALERT_NEXT[args.kind],
    intervene: interventionsFor(
      args.endpointName,
      phase,
      args.apiUrl ?? API_URL_PLACEHOLDER,
      args.kind,
      args.region,
    ),
    source: args.source ?? 'system',
    alertKind: args.kind,
  };
  if (args.policy && args.state) {
    notification.step = {
      index: Math.min(args.state.stepIndex, args.policy.steps.length),
      count: args.policy.steps.length,
    };
  }
  if (args.problems && args.problems.length > 0) notification.problems = [...args.problems];
  if (args.correlationId) notification.correlationId = args.correlationId;
  return notification;
}

const ALERT_SEVERITY: Readonly<Record<AlertKind, Severity>> = {
  drift: 'warning',
  'missing-variant': 'critical',
  'invalid-policy': 'warning',
  'missing-policy': 'warning',
  'endpoint-failed': 'critical',
  'endpoint-missing': 'critical',
  other: 'warning',
};

function eventTypeOf(before: RolloutState | null, transition: Transition): NotificationEventType {
  const { state, decision } = transition;
  if (before === null) return 'rollout.started';
  if (state.phase === 'RolledBack') return 'rollout.rolled-back';
  if (state.phase === 'Aborted') return 'rollout.aborted';
  if (state.phase === 'Promoted') return 'rollout.promoted';
  // SageMaker, not the watchdog, moves a blue/green deployment's traffic: a rollback is asked of it.
  if (decision.action === 'rollback')
    return state.blueGreen ? 'rollout.rollback-requested' : 'rollout.rollback-staged';
  // Reaching a manual pause step is news about the new weight; `next` says a person is awaited.
  if (decision.action === 'advance' && before.phase !== 'Paused') return 'rollout.advanced';
  if (state.phase === 'Paused') {
    return state.pauseCause === 'inconclusive' ? 'rollout.inconclusive' : 'rollout.paused';
  }
  if (before.phase === 'Paused') return 'rollout.resumed';
  if (decision.action === 'advance' || state.stepIndex !== before.stepIndex) return 'rollout.advanced';
  if (decision.action === 'inconclusive') return 'rollout.inconclusive';
  return 'rollout.held';
}

function severityOf(eventType: NotificationEventType): Severity {
  switch (eventType) {
    case 'rollout.rolled-back':
    case 'rollout.rollback-staged':
    case 'rollout.rollback-requested':
      return 'critical';
    case 'rollout.aborted':
    case 'rollout.paused':
    case 'rollout.inconclusive':
    case 'rollout.alert':
      return 'warning';
    default:
      return 'info';
  }
}

function isoTime(state: RolloutState, evidence: Evidence): string {
  const t = evidence.windowEnd ?? state.stepStartedAt;
  return new Date(Number.isFinite(t) ? t : 0).toISOString();
}

/**
 * Exact commands a person can run now, for the phase: the watchdog CLI, the control API
 * (SigV4-signed, IAM auth) and, when traffic must move at once, SageMaker itself.
 */
export function interventionsFor(
  endpointName: string,
  phase: Phase | null,
  apiUrl: string = API_URL_PLACEHOLDER,
  alertKind?: AlertKind,
  region?: string,
): string[] {
  const ep = shellQuote(endpointName);
  const api = `--api "${apiUrl}"`;
  const status = `rollout-watchdog status ${ep} ${api}`;
  const history = `rollout-watchdog history ${ep} ${api}`;
  const rollback = `rollout-watchdog rollback ${ep} --reason "<why>" ${api}`;
  const describe = `aws sagemaker describe-endpoint --endpoint-name ${ep}${region ? ` --region ${region}` : ''} --query 'ProductionVariants[].[VariantName,CurrentWeight,DesiredWeight]'`;
  const rollbackHttp = `awscurl --service execute-api -X POST -d '{"reason":"<why>"}' "${apiUrl}/rollouts/${encodeURIComponent(endpointName)}/rollback"`;
  if (alertKind === 'invalid-policy' || alertKind === 'missing-policy') {
    return [
      `rollout-watchdog validate policy.yaml`,
      `aws ssm put-parameter --overwrite --type String --name "/rollout-watchdog/<stage>/policies/${endpointName}" --value file://policy.yaml`,
      status,
    ];
  }
  switch (phase) {
    case 'Progressing':
      return [
        `rollout-watchdog pause ${ep} ${api}`,
        rollback,
        `rollout-watchdog promote ${ep} ${api}`,
        rollbackHttp,
        status,
        describe,
      ];
    case 'Paused':
      return [
        `rollout-watchdog resume ${ep} ${api}`,
        `rollout-watchdog promote ${ep} ${api}`,
        rollback,
        `rollout-watchdog abort ${ep} ${api}`,
        status,
        describe,
      ];
    case 'Promoted':
      // During the retirement's hold-back a rollback still restores the baseline at once.
      return [rollback, history, describe, `rollout-watchdog start ${ep} --model NEXT_MODEL ${api}`];
    case 'RolledBack':
    case 'Aborted':
      return [history, describe, `rollout-watchdog start ${ep} --model NEXT_MODEL ${api}`];
    default:
      return [status, history, describe];
  }
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9._-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
