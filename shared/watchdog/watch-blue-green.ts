import { type BlueGreenEndpointView, readBlueGreenPhase, rollbackAlarm } from '../domain/blue-green-phase';
import { isWatchdogConfig } from '../domain/endpoint-config-name';
import { isFinal } from '../domain/is-final';
import { judgeBlueGreen } from '../domain/judge-blue-green';
import { emptyEvidence } from '../domain/make-decision';
import type {
  Action,
  AlarmStateValue,
  BlueGreenState,
  Evidence,
  PeriodObservation,
  RolloutState,
} from '../domain/types';
import { alertNotification } from '../notify/notification';
import type { AlarmStates } from '../ports/alarm-states';
import type { HookCaller } from '../ports/hook-caller';
import type { MetricsTarget } from '../ports/metrics-reader';
import type { RolloutRecord } from '../ports/rollout-repository';
import { SILENT_LOG } from '../ports/watchdog-log';
import {
  describeBlueGreenNext,
  describeBlueGreenPhase,
  describeFailingVerdict,
  describeRolledBackBy,
  describeVerdictPublished,
} from '../wording/describe-blue-green';
import { passBlueGreenStartGate } from './blue-green-start-gate';
import { commitBlueGreen, type BlueGreenWatch } from './commit-blue-green';
import { describeError } from './commit-transition';
import type { WatchdogDeps } from './watchdog-deps';

/** One endpoint's verdict for this tick's PutMetricData. */
export interface VerdictToPublish {
  region: string;
  endpointName: string;
  failing: boolean;
}

export interface BlueGreenWatchContext {
  /** Epoch ms (the event's time). */
  now: number;
  correlationId: string;
  /** This tick's periods of the rollout (green under the canary's name, blue under the baseline's). */
  periods: ReadonlyArray<PeriodObservation>;
  /** Why the metrics could not be read this tick (nothing is judged then). */
  unreadable?: string;
  /** Alarm states of a region, to tell which alarm rolled back when SageMaker's words do not. */
  alarmStates?: (region: string) => AlarmStates;
  /** Where this tick collects the verdicts to publish in one call after every rollout was visited. */
  verdicts: VerdictToPublish[];
  /** Calls the policy's hooks (a start waiting at its beforeStart gate); without it the gate waits. */
  hooks?: HookCaller;
  /** This tick's states of the alarms the policy's `rollback.onAlarms` names (those read). */
  alarms?: Readonly<Record<string, AlarmStateValue>>;
}

const RUNNING: ReadonlySet<BlueGreenState['phase']> = new Set([
  'provisioning',
  'shifting',
  'baking',
  'rollingBack',
]);

/** True for a rollout whose traffic SageMaker's blue/green deployment carries (the tick leaves its weights alone). */
export function isBlueGreenRollout(record: Pick<RolloutRecord, 'policy' | 'state'>): boolean {
  return record.policy.blueGreen !== undefined && !!record.state.blueGreen;
}

/**
 * What the tick reads of a blue/green rollout: each fleet by its endpoint config, the new one
 * under the policy's canary variant name and the old one under its baseline variant name, so the
 * engine judges them as a canary against its baseline. Plain targets for other rollouts.
 */
export function blueGreenMetricsTarget(
  record: Pick<RolloutRecord, 'endpointName' | 'policy' | 'state'>,
): MetricsTarget {
  const target: MetricsTarget = { key: record.endpointName, policy: record.policy };
  const bg = record.state.blueGreen;
  if (!bg || !record.policy.blueGreen) return target;
  const { name, baselineVariant, canaryVariant } = record.policy.endpoint;
  const fleet = (config: string) => ({
    EndpointConfigName: config,
    EndpointName: name,
    VariantName: baselineVariant,
  });
  return {
    ...target,
    variantDimensions: { [canaryVariant]: fleet(bg.newConfig), [baselineVariant]: fleet(bg.oldConfig) },
  };
}

/**
 * One tick of a blue/green rollout. Reads the endpoint (DescribeEndpoint) and, in order:
 * - SageMaker completed the deployment → Promoted (the old config, if the watchdog made it, is deleted);
 * - SageMaker rolled back → RolledBack (Aborted after an operator's abort), naming the alarm from its
 *   FailureReason, else from the alarms' states;
 * - UpdateRollbackFailed (or Failed) → Paused for a person, with a critical alert;
 * - rolling back, provisioning, shifting N %, baking → each phase change announced with what comes next;
 *   while the new fleet takes traffic it is judged against the old one, and a failing judgement
 *   (a metric at its failureLimit) sets the verdict failing: SageMaker rolls back through the
 *   verdict alarm. The verdict is collected for this tick's one PutMetricData while SageMaker deploys.
 * It never sends weights: the mirrored canary weight is recorded as applied.
 *
 * Inputs that drive it: the rollout's state and policy, the endpoint's status, configs and the
 * green fleet's statuses, the tick's periods, and `now`.
 */
export async function watchBlueGreen(
  deps: WatchdogDeps,
  record: RolloutRecord,
  ctx: BlueGreenWatchContext,
): Promise<BlueGreenWatch> {
  const bg = record.state.blueGreen;
  const policy = record.policy;
  if (!bg || !policy.blueGreen)
    return { kind: 'watched', outcome: 'held', reason: 'not a blue/green rollout' };
  if (isFinal(record.state.phase)) return { kind: 'watched', outcome: 'held', reason: 'finished' };
  // A start held at its beforeStart gate: nothing deployed yet, the gates are asked.
  if (bg.sent === false)
    return passBlueGreenStartGate(deps, record, {
      now: ctx.now,
      correlationId: ctx.correlationId,
      ...(ctx.hooks ? { hooks: ctx.hooks } : {}),
    });
  if (bg.phase === 'rollbackFailed')
    return { kind: 'watched', outcome: 'held', reason: 'UpdateRollbackFailed: waiting for a person' };
  const deployments = deps.blueGreen?.(record.region);
  if (!deployments)
    return { kind: 'watched', outcome: 'held', reason: 'this function cannot read blue/green deployments' };

  let view: BlueGreenEndpointView;
  try {
    view = await deployments.describe(record.endpointName);
  } catch (error) {
    // Keep publishing the verdict: SageMaker's deployment runs on whether or not the watchdog can read it.
    collect(ctx, record, bg);
    return {
      kind: 'watched',
      outcome: 'held',
      reason: `DescribeEndpoint failed (${describeError(error)}); read again next tick`,
    };
  }
  const reading = readBlueGreenPhase(view, bg, policy.blueGreen, ctx.now);
  if (reading.kind === 'other') {
    collect(ctx, record, bg);
    return { kind: 'watched', outcome: 'held', reason: reading.reason };
  }
  const observed: BlueGreenState = {
    ...bg,
    phase: reading.phase,
    since: reading.phase === bg.phase ? bg.since : ctx.now,
    greenShare: reading.greenShare,
    ...(reading.failureReason ? { failureReason: reading.failureReason } : {}),
    ...(reading.trafficStartedAt !== undefined ? { trafficStartedAt: reading.trafficStartedAt } : {}),
  };

  switch (reading.phase) {
    case 'completed':
      await deleteOldConfig(deps, record, bg);
      return commitBlueGreen(
        deps,
        record,
        ctx,
        { ...record.state, phase: 'Promoted', canaryWeight: 100, blueGreen: observed },
        'promote',
        describeBlueGreenPhase(observed),
      );
    case 'rolledBack': {
      const by = await whichAlarm(record, observed, ctx);
      const done: BlueGreenState = { ...observed, ...(by ? { rolledBackBy: by } : {}) };
      const aborted = bg.rollbackRequested?.command === 'abort';
      return commitBlueGreen(
        deps,
        record,
        ctx,
        {
          ...record.state,
          phase: aborted ? 'Aborted' : 'RolledBack',
          canaryWeight: 0,
          pauseCause: null,
          blueGreen: done,
        },
        'rollback',
        `${describeBlueGreenPhase(done)}; rolled back ${describeRolledBackBy(done)}`,
      );
    }
    case 'rollbackFailed': {
      const reason = `${describeBlueGreenPhase(observed)}: the endpoint is ${view.status}${observed.failureReason ? ` (${observed.failureReason})` : ''}; the watchdog stops and a person decides`;
      const state: RolloutState = {
        ...record.state,
        phase: 'Paused',
        pauseCause: 'endpoint',
        blueGreen: observed,
      };
      const alert = alertNotification({
        kind: 'endpoint-failed',
        severity: 'critical',
        endpointName: record.endpointName,
        region: record.region,
        now: ctx.now,
        reason,
        policy,
        state,
        next: describeBlueGreenNext(policy, state),
        source: 'tick',
        correlationId: ctx.correlationId,
        ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
      });
      return commitBlueGreen(deps, record, ctx, state, 'pause', reason, alert);
    }
    default:
      break;
  }

  // Deploying or rolling back: judge the new fleet while it takes traffic, and keep the verdict published.
  let state: RolloutState = { ...record.state, canaryWeight: observed.greenShare, blueGreen: observed };
  let evidence: Evidence = emptyEvidence();
  let action: Action = 'hold';
  let reason = describeBlueGreenPhase(observed);
  let judged = false;
  const takesTraffic = observed.phase === 'shifting' || observed.phase === 'baking';
  // An alarm of `rollback.onAlarms` is not SageMaker's to watch (only blueGreen.alarms are): the
  // watchdog acts on it through its verdict, as it would roll a canary back.
  const firing = policy.rollback.onAlarms.find((a) => ctx.alarms?.[a.alarmName] === 'ALARM')?.alarmName;
  if (firing && !bg.rollbackRequested && observed.phase !== 'rollingBack') {
    const why = `alarm ${firing} (rollback.onAlarms) is in ALARM`;
    state = {
      ...state,
      blueGreen: {
        ...observed,
        verdict: 'failing',
        rollbackRequested: { at: ctx.now, by: 'alarm', reason: why },
      },
    };
    action = 'rollback';
    reason = `${why}; ${describeVerdictPublished(bg.verdictAlarm)}`;
  } else if (takesTraffic && !bg.rollbackRequested && !ctx.unreadable) {
    const judgement = judgeBlueGreen(policy, state, ctx.periods, ctx.now);
    state = { ...judgement.state, blueGreen: observed };
    evidence = judgement.evidence;
    judged = judgement.judged;
    if (judgement.failed.length > 0) {
      const why = describeFailingVerdict(judgement.failed, judgement.evidence);
      state = {
        ...state,
        blueGreen: {
          ...observed,
          verdict: 'failing',
          rollbackRequested: { at: ctx.now, by: 'judgement', reason: why },
        },
      };
      action = 'rollback';
      reason = `${why}; ${describeVerdictPublished(bg.verdictAlarm)}`;
    }
  }
  if (observed.phase === 'rollingBack' && bg.phase !== 'rollingBack') action = 'rollback';
  else if (action === 'hold' && observed.phase !== bg.phase) action = 'advance';
  else if (action === 'hold' && observed.greenShare !== bg.greenShare) action = 'advance';
  const next = state.blueGreen!;
  if (RUNNING.has(next.phase)) collect(ctx, record, next);

  const news = action !== 'hold';
  const countersMoved =
    JSON.stringify(state.consecutiveFailures) !== JSON.stringify(record.state.consecutiveFailures);
  if (!news && !countersMoved)
    return {
      kind: 'watched',
      outcome: judged ? 'judged' : 'held',
      action: 'hold',
      reason: judged ? `${reason}; judged: no metric at its failure limit` : reason,
    };
  state = { ...state, message: reason };
  return commitBlueGreen(deps, record, ctx, state, action, reason, undefined, evidence, !news);
}

/** Adds the rollout's verdict to this tick's batch: failing once the watchdog asked SageMaker to roll back. */
function collect(ctx: BlueGreenWatchContext, record: RolloutRecord, bg: BlueGreenState): void {
  ctx.verdicts.push({
    region: record.region,
    endpointName: record.endpointName,
    failing: bg.verdict === 'failing',
  });
}

/** The alarm that rolled back: SageMaker's FailureReason names it, else the one of the deployment's alarms in ALARM. */
async function whichAlarm(
  record: RolloutRecord,
  bg: BlueGreenState,
  ctx: BlueGreenWatchContext,
): Promise<string | null> {
  const named = rollbackAlarm(bg.failureReason ?? null, bg.alarms);
  if (named || !ctx.alarmStates) return named;
  try {
    const read = await ctx.alarmStates(record.region).read(bg.alarms);
    return rollbackAlarm(null, bg.alarms, Object.fromEntries(read.states));
  } catch {
    return null;
  }
}

/** The old fleet's config, once SageMaker released it: deleted when the watchdog made it (never a team's own). */
async function deleteOldConfig(deps: WatchdogDeps, record: RolloutRecord, bg: BlueGreenState): Promise<void> {
  if (!isWatchdogConfig(bg.oldConfig)) return;
  try {
    await deps.endpointConfigs?.(record.region).deleteConfig(bg.oldConfig);
  } catch (error) {
    (deps.log ?? SILENT_LOG).warn('old blue/green config not deleted', {
      endpointName: record.endpointName,
      config: bg.oldConfig,
      error: describeError(error),
    });
  }
}
