/**
 * The rollout engine's vocabulary. Everything here is plain data: the engine is a pure function
 * of (policy, state, observations, now), so these shapes are also what the handlers store in
 * DynamoDB and what `replay` prints.
 *
 * Times inside the engine are epoch milliseconds (numbers are cheap to compare on the hot path);
 * they become ISO strings only at the edges (replay output, notifications, the API).
 */

import type { DecisionCause, MetricFinding } from './decision-cause';

/**
 * Lifecycle of one rollout (`phase` in docs/replay-protocol.md). `Promoted`, `RolledBack` and
 * `Aborted` are final.
 */
export type Phase = 'Progressing' | 'Paused' | 'Promoted' | 'RolledBack' | 'Aborted';

/** What a decision did (`action` in docs/replay-protocol.md). */
export type Action = 'hold' | 'advance' | 'pause' | 'promote' | 'rollback' | 'inconclusive';

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** Strategy used when a rollback alarm fires. */
export type RollbackStrategy = 'immediate' | 'staged';

// ---------------------------------------------------------------------------------------------
// Policy (validated, normalised, frozen). The raw YAML/JSON shape is in docs/policy-reference.md;
// durations are normalised to seconds here so the engine never parses strings.
// ---------------------------------------------------------------------------------------------

export type Step = { kind: 'setWeight'; weight: number } | { kind: 'pause'; durationSeconds: number | null };

export interface ErrorRateMetric {
  type: 'errorRate';
  name: string;
  /** Canary ceiling, as a fraction (0.05 = 5 %). Absent: no ceiling. */
  threshold?: number;
  /** Allowed canary-minus-baseline increase, as a fraction, judged with confidence. Absent: not compared. */
  maxIncrease?: number;
  /** Which errors count: 5xx (default) or also 4xx when the policy asks for them. */
  errorClasses: ReadonlyArray<'5xx' | '4xx'>;
  failureLimit: number;
}

export type LatencyStatistic = 'avg' | 'p50' | 'p90' | 'p99';

export interface LatencyMetric {
  type: 'latency';
  name: string;
  statistic: LatencyStatistic;
  thresholdMs?: number;
  /** Allowed increase over the baseline, in percent of the baseline. */
  maxIncreasePct?: number;
  failureLimit: number;
}

export interface CustomMetric {
  type: 'custom';
  name: string;
  namespace: string;
  metricName: string;
  /** CloudWatch dimensions; the value `${canaryVariant}` etc. are resolved at the edge. */
  dimensions: Readonly<Record<string, string>>;
  /** CloudWatch statistic: Average, Sum, Minimum, Maximum, SampleCount or pNN. */
  statistic: string;
  min?: number;
  max?: number;
  failureLimit: number;
}

export type MetricPolicy = ErrorRateMetric | LatencyMetric | CustomMetric;

export interface AlarmRollbackPolicy {
  alarmName: string;
  strategy: RollbackStrategy;
  /** For `staged`: how long to observe at half weight before deciding. Seconds. */
  observeSeconds: number;
}

export interface RegionTarget {
  region: string;
  endpointName: string;
  /** Model data and image templates of this region (docs/policy-reference.md, `regions`); override `artifacts`. */
  modelDataUrl?: string;
  image?: string;
  /** How long this region is watched on its own metrics before the next region takes the model. Seconds; 0: not baked. Absent: the default. */
  bakeSeconds?: number;
  /** True: a drifted region is put back on the promoted model; false or absent: drift is reported only. */
  repairDrift?: boolean;
  /** The region runs as a canary of its own with these steps (beside what it ran) before it takes the model alone. */
  steps?: ReadonlyArray<Step>;
}

/** Where every region's copy finds its model data and image, with `{region}` and the other placeholders of region-artifacts.ts. */
export interface ArtifactTemplates {
  modelDataUrl?: string;
  image?: string;
}

/**
 * What the watchdog does to the endpoint itself around a rollout (docs/policy-reference.md,
 * `lifecycle`). Delays in seconds; null means never (the endpoint is left as the rollout ended).
 */
export interface LifecyclePolicy {
  /** Instances of the canary variant a `start --model` adds; absent fields come from the baseline variant. */
  canary: { instanceType?: string; instanceCount?: number };
  /** Hold-back after a promotion before the baseline is retired (0: at once). Seconds, or null: never. */
  retireBaselineAfterSeconds: number | null;
  /** Time to inspect a rolled-back or aborted canary before its variant is removed. Seconds, or null: never. */
  cleanUpAfterRollbackSeconds: number | null;
}

// ---------------------------------------------------------------------------------------------
// Strategies besides stepped canary weights (docs/policy-reference.md, `strategy` and `hooks`).
// ---------------------------------------------------------------------------------------------

/**
 * A shadow phase before the canary steps (`strategy.canary.shadow`): the new model runs as a
 * shadow variant under the canary variant's name, answers nobody, and is judged on a copy of
 * `samplingPercent` of the production requests for `durationSeconds`.
 */
export interface ShadowPolicy {
  /** Share of production requests copied to the shadow, whole percent 1..100. */
  samplingPercent: number;
  /** How long the shadow is judged before it becomes the canary. Seconds. */
  durationSeconds: number;
}

/** How SageMaker's blue/green deployment shifts traffic to the new fleet (its TrafficRoutingConfiguration). */
export type BlueGreenRouting =
  | { type: 'allAtOnce'; waitSeconds: number }
  | {
      type: 'canary' | 'linear';
      /** canary: the first share; linear: each step's share. */
      size: { unit: 'capacityPercent' | 'instanceCount'; value: number };
      /** Time between shifts. Seconds. */
      waitSeconds: number;
    };

/**
 * `strategy.blueGreen`: SageMaker's own deployment guardrails carry the traffic; the watchdog
 * starts them from a model name, judges the new fleet against the old one while they run, and
 * makes SageMaker roll back (through its verdict alarm) when the judgement fails.
 */
export interface BlueGreenPolicy {
  routing: BlueGreenRouting;
  /** SageMaker's TerminationWaitInSeconds: the new fleet bakes with all traffic before the old one goes. Seconds. */
  bakeSeconds: number;
  /** SageMaker's MaximumExecutionTimeoutInSeconds; absent: SageMaker's default. Seconds. */
  maximumExecutionTimeoutSeconds?: number;
  /** The team's own alarms SageMaker rolls back on (AutoRollbackConfiguration), besides the watchdog's verdict alarm. */
  alarms: ReadonlyArray<string>;
}

/**
 * Where a hook runs. `beforeStart` (before the first weight reaches the canary), `beforeStep`
 * (before each later weight increase) and `beforePromotion` can hold the rollout (gates);
 * `afterEnd` and `onRollback` are told, never asked.
 */
export type HookPoint = 'beforeStart' | 'beforeStep' | 'beforePromotion' | 'afterEnd' | 'onRollback';

export type HookTarget =
  | {
      type: 'https';
      url: string;
      /** SSM SecureString holding the HMAC-SHA256 key that signs each request; absent: unsigned. */
      secretParameter?: string;
    }
  | { type: 'lambda'; functionName: string };

export interface HookPolicy {
  name: string;
  at: ReadonlyArray<HookPoint>;
  /** gate: its "no" holds the rollout at that point; notify: told, never blocks. */
  kind: 'gate' | 'notify';
  target: HookTarget;
  /** Per call. Seconds. */
  timeoutSeconds: number;
  /** Calls again after a timeout, a network error or a 5XX/throttle before it counts as a failed call. Calls. */
  retries: number;
  /** A gate's "no" answers and failed calls in a row before `onFailure`. */
  failureLimit: number;
  onFailure: 'rollback' | 'pause';
}

export interface RolloutPolicy {
  apiVersion: 'rollout-watchdog/v1';
  endpoint: { name: string; region: string; baselineVariant: string; canaryVariant: string };
  steps: ReadonlyArray<Step>;
  analysis: {
    intervalSeconds: number;
    windowSeconds: number;
    minCanaryInvocations: number;
    inconclusiveLimit: number;
    metrics: ReadonlyArray<MetricPolicy>;
  };
  rollback: { onAlarms: ReadonlyArray<AlarmRollbackPolicy> };
  regions: ReadonlyArray<RegionTarget>;
  /** Artifact templates shared by every region (a region's own fields win); absent: each region maps its own. */
  artifacts?: ArtifactTemplates;
  /** Absent in policies stored before the lifecycle existed: `lifecycleOf` supplies the defaults. */
  lifecycle?: LifecyclePolicy;
  /** `strategy.canary.shadow`: a shadow phase before the steps. */
  shadow?: ShadowPolicy;
  /** `strategy.blueGreen` instead of `strategy.canary`: `steps` is empty and SageMaker shifts the traffic. */
  blueGreen?: BlueGreenPolicy;
  /** Absent in policies stored before hooks existed: none. */
  hooks?: ReadonlyArray<HookPolicy>;
}

// ---------------------------------------------------------------------------------------------
// Observations: one analysis period of per-variant aggregates (the replay input line of
// docs/replay-protocol.md).
// ---------------------------------------------------------------------------------------------

/** One period of one variant. Latencies in milliseconds (CloudWatch's microseconds are converted at the edge). */
export interface VariantPeriodMetrics {
  invocations: number;
  errors5xx: number;
  errors4xx: number;
  latencyAvgMs: number | null;
  latencyP50Ms: number | null;
  latencyP90Ms: number | null;
  latencyP99Ms: number | null;
}

export interface PeriodObservation {
  /** End of the period, epoch ms. */
  time: number;
  /** Keyed by variant name. A variant with no traffic may be missing. */
  variants: Readonly<Record<string, VariantPeriodMetrics | undefined>>;
  /** Custom metric values for this period, keyed by the policy's metric `name`; null = no datapoint. */
  custom?: Readonly<Record<string, number | null>>;
}

/** What one tick hands the engine. */
export interface TickInput {
  /** Periods, oldest first. Periods already seen (same `time`) replace the stored ones. */
  periods: ReadonlyArray<PeriodObservation>;
  /** Current alarm states by alarm name (only the ones the policy names matter). */
  alarms?: Readonly<Record<string, AlarmStateValue>>;
}

// ---------------------------------------------------------------------------------------------
// State and decisions.
// ---------------------------------------------------------------------------------------------

/**
 * `endpoint`: an endpoint change the rollout needs (deploying the canary) failed; `resume` retries it.
 * `gate`: a gate said no `failureLimit` times in a row and its `onFailure` is `pause`; `resume` asks it again.
 */
export type PauseCause = 'step' | 'operator' | 'inconclusive' | 'endpoint' | 'gate';

export interface StagedRollbackState {
  alarmName: string;
  startedAt: number;
  observeUntil: number;
  /** Canary weight to restore if the canary recovers. */
  restoreWeight: number;
}

export interface RolloutState {
  endpointName: string;
  phase: Phase;
  /** Index into policy.steps of the step in progress (steps.length once promoted). */
  stepIndex: number;
  stepStartedAt: number;
  startedAt: number;
  /** Canary share of traffic, whole percent 0..100; the baseline has the rest. */
  canaryWeight: number;
  /** Periods inside the analysis window, oldest first. */
  recent: ReadonlyArray<PeriodObservation>;
  /** Time of the newest period judged, epoch ms; older or equal periods are stale. */
  lastPeriodTime: number | null;
  /** When the canary was last judged (for analysis.interval), epoch ms. */
  lastJudgedAt: number | null;
  consecutiveFailures: Readonly<Record<string, number>>;
  consecutiveInconclusive: number;
  pauseCause: PauseCause | null;
  staged: StagedRollbackState | null;
  /** Last alarm state seen per alarm name (to act on transitions, not levels). */
  alarmStates: Readonly<Record<string, AlarmStateValue>>;
  /** Human reason of the last decision. */
  message: string;
  /** The shadow phase in progress (`strategy.canary.shadow`); absent or null: none. */
  shadow?: ShadowState | null;
  /** The gate the rollout waits at; absent or null: none. */
  gate?: GateState | null;
  /** SageMaker's blue/green deployment this rollout watches (`strategy.blueGreen`); absent or null: none. */
  blueGreen?: BlueGreenState | null;
}

/**
 * Where SageMaker's blue/green deployment stands, as the watchdog last read it from DescribeEndpoint:
 * the green fleet provisioned, traffic shifting to it, its final bake, then SageMaker's outcome.
 */
export type BlueGreenPhase =
  'provisioning' | 'shifting' | 'baking' | 'completed' | 'rollingBack' | 'rolledBack' | 'rollbackFailed';

/** A blue/green deployment watched by the watchdog. Epoch ms. */
export interface BlueGreenState {
  phase: BlueGreenPhase;
  /** When `phase` was first seen. */
  since: number;
  /** The model the green fleet runs. */
  model: string;
  /** The new (green) endpoint config, made by the watchdog. */
  newConfig: string;
  /** The config the endpoint ran before (the blue fleet), where a rollback returns. */
  oldConfig: string;
  /** Green share of the traffic in percent, as SageMaker's deployment stands (mirrored in `canaryWeight`). */
  greenShare: number;
  /** Every alarm in AutoRollbackConfiguration: the policy's, then the watchdog's verdict alarm. */
  alarms: ReadonlyArray<string>;
  /** The watchdog's own alarm on its verdict metric. */
  verdictAlarm: string;
  /** The verdict last published: failing makes SageMaker roll back through `verdictAlarm`. */
  verdict: 'passing' | 'failing';
  /** Set once the watchdog (its judgement, or an operator's rollback/abort) asked SageMaker to roll back. */
  rollbackRequested: {
    at: number;
    /** judgement: a metric at its failureLimit; alarm: an alarm of `rollback.onAlarms` in ALARM; operator: rollback/abort. */
    by: 'judgement' | 'alarm' | 'operator';
    /** An operator's `abort` ends the rollout Aborted once SageMaker has rolled back; anything else RolledBack. */
    command?: 'rollback' | 'abort';
    reason: string;
  } | null;
  /** SageMaker's FailureReason, and the alarm that rolled the deployment back when known. */
  failureReason?: string;
  rolledBackBy?: string;
  /** False while the start waits at its `beforeStart` gate: UpdateEndpoint not sent yet. Absent: sent at the start. */
  sent?: boolean;
  /** When the new fleet first took traffic (epoch ms): the routing's clock, which later variant statuses no longer tell. */
  trafficStartedAt?: number;
}

/** A shadow phase in progress: the canary variant is a shadow (weight 0, answering nobody). Epoch ms. */
export interface ShadowState {
  startedAt: number;
  /** When the shadow has been judged long enough to become the canary (if it passes). */
  until: number;
  /**
   * On an endpoint: when the shadow passed. Its model is then deployed as the canary variant
   * (at 0 %) before the first step's weight applies; absent while the shadow is judged.
   */
  passedAt?: number;
  /**
   * When the shadow became the canary (its first step's weight applied): from then on this is
   * the record of a shadow that passed, and the canary's window holds only periods after it
   * (never the shadow's copies, which CloudWatch would otherwise hand back as corrections).
   */
  canaryFrom?: number;
}

/** A rollout held at a gate: which point, which hooks said no (or failed), how often in a row, and their words. */
export interface GateState {
  point: HookPoint;
  hooks: ReadonlyArray<string>;
  /** When the rollout reached the gate. Epoch ms. */
  since: number;
  /** "No" answers and failed calls in a row. */
  failures: number;
  /** The hooks' own reason (or why the call failed). */
  reason: string;
  /** Failures in a row that end the wait: the smallest `failureLimit` of the point's gates. */
  failureLimit: number;
  /** What reaching `failureLimit` does (rollback when any of the point's gates says so). */
  onFailure: 'rollback' | 'pause';
  /** The canary weight the held move goes to; null: promotion. Percent. */
  nextWeight: number | null;
  /** The held move is an operator's `resume` past a manual pause: the tick makes it once the gates allow. */
  resume?: boolean;
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface VariantSummary {
  invocations: number;
  errors5xx: number;
  errors4xx: number;
  /** errors / invocations with a zero guard; null without traffic. */
  errorRate: number | null;
  latencyP99Ms: number | null;
}

export interface MetricVerdict {
  name: string;
  type: MetricPolicy['type'];
  verdict: Verdict;
  /** Canary and baseline values in the metric's unit (fraction, ms, or the custom unit). */
  canary: number | null;
  baseline: number | null;
  /** The bound that was crossed, or that applied. */
  limit: number | null;
  consecutiveFailures: number;
  /** What the judgement found, with its numbers (absent in evidence stored before it existed). */
  finding?: MetricFinding;
  /** The verdict in words: `describeMetricVerdict` of the finding. */
  reason: string;
}

export interface Evidence {
  windowStart: number | null;
  windowEnd: number | null;
  baseline: VariantSummary;
  canary: VariantSummary;
  metrics: ReadonlyArray<MetricVerdict>;
  /** The alarm that drove an alarm decision; `reason` is CloudWatch's own (it names the breaching datapoints). */
  alarm?: { name: string; state: AlarmStateValue; reason?: string };
}

export interface Decision {
  action: Action;
  /**
   * Why, as data (which metric, alarm, command or step); `reason` is its wording. Every decision
   * of the engine has one; a decision made outside it (the watchdog stopping a rollout whose
   * endpoint drifted) may carry only a reason.
   */
  cause?: DecisionCause;
  /** One line in plain words with the numbers: `describeDecision(cause, evidence)`. */
  reason: string;
  evidence: Evidence;
}

export interface Transition {
  state: RolloutState;
  decision: Decision;
}

export type OperatorCommand =
  | { type: 'pause'; reason?: string }
  | { type: 'resume'; reason?: string }
  | { type: 'promote'; reason?: string }
  | { type: 'abort'; reason?: string }
  | { type: 'rollback'; reason: string };

export type CommandResult = { ok: true; transition: Transition } | { ok: false; error: string };
