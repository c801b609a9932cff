import type { EndpointChange } from '../domain/endpoint-change';
import type { AlarmCheckOverride } from '../domain/decision-cause';
import type { PauseCause, Phase } from '../domain/types';
import type { HistoryEntry } from '../ports/rollout-repository';
import type { DeploymentStats } from '../stats/deployment-stats';
import type { RegionBake } from '../watchdog/region-sync-types';

/**
 * The control API's contract: what a request carries and what the API answers. The HTTP router,
 * the commands and queries, and the operator CLI (`shared/cli-client/`) all speak these types, so
 * the CLI depends on this file alone and not on the code behind the API.
 */

/** Who asks, when (epoch ms: request time, or the sandbox clock locally) and the request id. */
export interface ControlContext {
  operator: string;
  now: number;
  correlationId: string;
}

/** A failure the caller maps to an HTTP status: invalid 400, not-found 404, conflict 409, unprocessable 422, unavailable 503. */
export type ControlFailure = {
  ok: false;
  kind: 'invalid' | 'not-found' | 'conflict' | 'unprocessable' | 'unavailable';
  error: string;
  problems?: string[];
};

export type ControlResult<T> = { ok: true; body: T } | ControlFailure;

export interface StartRequest {
  endpointName: string;
  /** Policy text (YAML or JSON) or a parsed object; absent: the stored one. */
  policy?: string | Record<string, unknown>;
  reason?: string;
  /**
   * Start even though the alarm check refuses (alarms of the policy in ALARM or missing, or their
   * states unreadable). Needs a `reason`; the override is recorded in the start's history entry
   * and notification.
   */
  force?: boolean;
  /**
   * Start from a model name: deploy it as the canary variant beside the baseline (a new endpoint
   * config, UpdateEndpoint, InService), then begin the steps. Absent: the endpoint already has
   * both variants.
   */
  model?: string;
}

/**
 * A start that went ahead past the alarm check: who overrode it, why, and what the check found.
 * Carried as data in the start's cause (`cause.override`) in history and in the notification.
 */
/** The alarm check a forced start overrode (recorded in its history entry and notification). */
export type StartOverride = AlarmCheckOverride;

/** What the endpoint itself says (the source of truth for weights), or why it could not be read. */
export type EndpointView =
  | {
      status: string;
      /** Traffic share per variant in percent, from CurrentWeight. */
      weights: Record<string, number | null>;
      /** Share per variant once an in-flight update lands, from DesiredWeight. */
      desiredWeights: Record<string, number | null>;
      failureReason?: string;
      /** What the endpoint runs now: its config and, per variant, the model and instances (absent when unreadable). */
      runs?: EndpointRunsView;
    }
  | { error: string };

/** The endpoint's config in service and what each variant runs on it. */
export interface EndpointRunsView {
  configName: string | null;
  /** The config an update in flight deploys, or null. */
  pendingConfigName: string | null;
  variants: Array<{
    variantName: string;
    modelName: string | null;
    instanceType: string | null;
    /** Instances running now (CurrentInstanceCount), else the config's initial count. */
    instanceCount: number | null;
  }>;
}

/** The endpoint change a rollout owes or made last, for status and the list. */
export interface EndpointChangeView {
  kind: EndpointChange['kind'];
  status: EndpointChange['status'];
  /** In words: `baseline retirement due at ...`, `canary deployment updating (config ...)`. */
  description: string;
  /** ISO: when it may begin. */
  dueAt: string;
  /** ISO: when its status last changed. */
  since: string;
  attempt: number;
  model?: string;
  targetConfig?: string;
  previousConfig?: string;
  added?: EndpointChange['added'];
  released?: EndpointChange['released'];
  failure?: string;
  /** For `updating`: SageMaker accepted the UpdateEndpoint (absent: written, not sent yet). */
  sent?: boolean;
}

export interface DecisionView {
  time: string;
  /** Which rollout of the endpoint the entry belongs to (history spans successive rollouts). */
  rolloutId: string;
  action: string | null;
  kind: HistoryEntry['kind'];
  source: HistoryEntry['source'];
  phase: Phase;
  canaryWeight: number;
  reason: string;
  /** Why, as data: the engine's typed cause (which metric, alarm, command and operator, step). */
  cause?: HistoryEntry['cause'];
  evidence?: HistoryEntry['evidence'];
  /** `kind: hook`: the call and its answer (hook, point, attempts, status, allow, reason, ms). */
  hook?: HistoryEntry['hook'];
}

/** The gate a rollout waits at (policy `hooks` of type gate that said no). */
export interface GateView {
  point: string;
  /** The gates that said no (or whose call failed). */
  hooks: string[];
  /** When the rollout reached the gate, ISO. */
  since: string;
  /** "No" answers and failed calls in a row, and how many end the wait. */
  failures: number;
  failureLimit: number;
  onFailure: 'rollback' | 'pause';
  /** The weight the held move goes to; null: promotion. Percent. */
  nextWeight: number | null;
  /** The gates' own reason. */
  reason: string;
  /** The wait in words, with what happens next. */
  description: string;
}

/** SageMaker's blue/green deployment of a rollout, as status shows it. */
export interface BlueGreenView {
  /** provisioning, shifting, baking, completed, rollingBack, rolledBack, rollbackFailed. */
  phase: string;
  /** The phase in words. */
  description: string;
  /** When the phase was first seen, ISO. */
  since: string;
  model: string;
  /** The new fleet's share of the traffic, percent, as SageMaker's routing stands. */
  greenShare: number;
  /** The new (green) fleet's endpoint config, and the old (blue) one a rollback returns to. */
  newConfig: string;
  oldConfig: string;
  /** Every alarm SageMaker rolls back on: the policy's, then the watchdog's verdict alarm. */
  alarms: string[];
  verdictAlarm: string;
  /** The verdict the watchdog publishes: failing makes SageMaker roll back. */
  verdict: 'passing' | 'failing';
  rollbackRequested?: { at: string; by: string; reason: string };
  /** The alarm SageMaker rolled back on, when known. */
  rolledBackBy?: string;
  /** SageMaker's FailureReason. */
  failureReason?: string;
}

export interface RolloutSummary {
  endpointName: string;
  region: string;
  rolloutId: string;
  phase: Phase;
  stepIndex: number;
  stepCount: number;
  /** The step in progress in words (`pause 10m`, `setWeight 20%`, `pause until resumed`), null once past the last. */
  step: string | null;
  baselineVariant: string;
  canaryVariant: string;
  /** Intended weights (the rollout's state). */
  weights: Record<string, number>;
  /** Weights last confirmed on the endpoint; null before the first confirmation. */
  appliedWeights: Record<string, number> | null;
  /** True while the intended weights have not been confirmed on the endpoint yet. */
  pendingWeights: boolean;
  /** Why a Paused rollout waits: a pause step without duration, an operator, or inconclusive data. */
  pauseCause: PauseCause | null;
  message: string;
  startedAt: string;
  stepStartedAt: string;
  createdAt: string;
  updatedAt: string;
  version: number;
  /** The endpoint change (canary deployment, baseline retirement, canary clean-up) owed or made last. */
  endpointChange?: EndpointChangeView;
  /** The gate the rollout waits at, while it waits (absent: none). */
  gate?: GateView;
  /** SageMaker's blue/green deployment the rollout watches (`strategy.blueGreen`). */
  blueGreen?: BlueGreenView;
  /** The shadow phase (`strategy.canary.shadow`) the rollout runs, or ended in (absent: none). */
  shadow?: ShadowView;
}

/** A shadow phase as `status` shows it: sampling, until when, and its evidence so far. */
export interface ShadowView {
  /** Percent of the production requests copied to the shadow. */
  samplingPercent: number;
  startedAt: string;
  /** When the shadow may pass (its judgement must pass too). */
  until: string;
  /** judging: copies are judged; paused: judged, never passed; passed: being deployed as the canary; ended: removed. */
  status: 'judging' | 'paused' | 'passed' | 'ended';
  passedAt?: string;
  /** The evidence in the analysis window so far: the shadow's copies and the baseline's requests. */
  window: {
    shadowRequests: number;
    shadowErrors5xx: number;
    baselineRequests: number;
    baselineErrors5xx: number;
  };
  /** Failing judgements in a row per metric (rollback at the metric's failureLimit). */
  consecutiveFailures: Record<string, number>;
  description: string;
}

/** How far the promoted model got in one target region. */
export interface RegionSyncView {
  region: string;
  targetEndpointName: string;
  status: string;
  attempts: number;
  lastError: string | null;
  /** Set when a finished region no longer runs the synced config (changed by hand or another deployment). */
  drift: string | null;
  /** Endpoint config the sync replaced in the target region. */
  replacedConfig: string | null;
  updatedAt: string;
  /** The region ladder (issue 14): position in the policy's `regions`, the model it takes, its copy's config. */
  order?: number;
  model?: string;
  config?: string | null;
  /** The region's bake: verdict (`watching`, `passed`, `failed`, `no-traffic`, `skipped`), summary, times. */
  bake?: RegionBake | null;
  /** `paused` on the region the ladder waits at after an operator's pause. */
  held?: 'paused' | null;
  /** Why the region went back, was halted or aborted. */
  stopReason?: string | null;
  /** Set while this region is the one to fail over to. */
  failover?: string | null;
}

export interface RolloutStatus extends RolloutSummary {
  lastDecision: DecisionView | null;
  endpoint: EndpointView;
  /** Region sync of a promoted rollout (present when the policy names regions and sync has started). */
  regions?: RegionSyncView[];
}

export interface RolloutList {
  active: RolloutSummary[];
  recent: RolloutSummary[];
  /** Why `recent` is empty when it could not be read. */
  recentError?: string;
}

export interface RolloutHistory {
  endpointName: string;
  /** Newest first. */
  entries: DecisionView[];
}

export interface CommandOutcome {
  /** applied: written (weights confirmed or none needed); deferred: written, weights land on the next run. */
  outcome: 'applied' | 'deferred' | 'unchanged';
  /** Set when the weights could not be applied (the next run retries). */
  weightsError?: string;
  /** Set when a forced start overrode the alarm check. */
  override?: StartOverride;
  rollout: RolloutSummary;
  /** Set when the command acted on the promoted rollout's region ladder: every region as it is now. */
  regions?: RegionSyncView[];
}

/** One variant in one period of `GET /rollouts/{endpoint}/metrics`. */
export interface VariantPoint {
  invocations: number;
  errors5xx: number;
  /** Invocation5XXErrors / Invocations; null without traffic. */
  errorRate: number | null;
  /** ModelLatency p99 in ms; null without traffic. */
  latencyP99Ms: number | null;
}

/** Per-variant error rate and p99 latency of one rollout over time (CloudWatch, one GetMetricData). */
export interface RolloutMetrics {
  endpointName: string;
  rolloutId: string;
  baselineVariant: string;
  canaryVariant: string;
  /** Length of each period. Seconds (the policy's interval, coarser for long rollouts). */
  periodSeconds: number;
  /** ISO bounds of the span read: the rollout's start to now (or shortly after its final decision). */
  from: string;
  until: string;
  /** Oldest first; `time` is the end of the period (ISO). A variant without data is missing. */
  points: Array<{ time: string; variants: Record<string, VariantPoint> }>;
}

/** `GET /stats`: deployment analytics over a period (`shared/stats/deployment-stats.ts`). */
export type StatsView = DeploymentStats;

export function invalid(problems: string[]): ControlFailure {
  return { ok: false, kind: 'invalid', error: 'invalid request', problems };
}

export function notFound(error: string): ControlFailure {
  return { ok: false, kind: 'not-found', error };
}

export function conflict(error: string): ControlFailure {
  return { ok: false, kind: 'conflict', error };
}

export function unavailable(error: string): ControlFailure {
  return { ok: false, kind: 'unavailable', error };
}
