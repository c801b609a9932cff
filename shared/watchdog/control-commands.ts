import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  type HistoryEntry,
  needsTick,
  RolloutExistsError,
  type RolloutRecord,
  type RolloutStore,
} from '../aws/rollout-store';
import { EndpointNotFoundError, type EndpointSnapshot } from '../aws/sagemaker-endpoints';
import { applyCommand, parsePolicy, splitTraffic, startRollout } from '../domain/index';
import type { OperatorCommand, Phase, RolloutPolicy, Step, Transition } from '../domain/types';
import { notificationFromTransition } from '../notify/notification';
import { type PolicyLookup, parsePolicyText } from '../policy/policy-source';
import {
  applyIntent,
  commitTransition,
  describeError,
  missingVariants,
  writeHistory,
} from './commit-transition';
import type { RegionSyncItem } from './region-sync-types';
import { SILENT_LOG, type WatchdogDeps } from './watchdog-deps';

/**
 * The operator commands of the control API, as functions returning values. The handler maps a
 * result's `kind` to an HTTP status; nothing here knows about HTTP. Every weight change goes
 * through TICK's `commitTransition` / `applyIntent`, so history and notifications come for free.
 */

/** Times a command is re-decided after another writer (tick, alarm) changed the rollout first. Attempts. */
export const MAX_COMMAND_ATTEMPTS = 3;

/** Finished rollouts listed by `GET /rollouts` next to the active ones. Rollouts. */
export const RECENT_ROLLOUTS_LIMIT = 20;

/** Everything the commands talk to: the watchdog deps plus the stored policies. */
export interface ControlDeps extends WatchdogDeps {
  /** Stored policies (INFRA's PolicySource fits). */
  policies: {
    get(endpointName: string): Promise<PolicyLookup>;
    parameterName?(endpointName: string): string;
  };
  /**
   * Finished rollouts, newest first. Optional: the rollout store has no such query yet, so the
   * handler supplies a scan; without it `recent` is empty.
   */
  listRecent?(limit: number): Promise<RolloutRecord[]>;
  /** Region sync progress of a promoted endpoint (RegionSyncStore fits); optional. */
  regionSync?: { list(endpointName: string): Promise<RegionSyncItem[]> };
}

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

// ---------------------------------------------------------------------------------------------
// Views: what the API answers (and the CLI client prints).
// ---------------------------------------------------------------------------------------------

/** What the endpoint itself says (the source of truth for weights), or why it could not be read. */
export type EndpointView =
  | {
      status: string;
      /** Traffic share per variant in percent, from CurrentWeight. */
      weights: Record<string, number | null>;
      /** Share per variant once an in-flight update lands, from DesiredWeight. */
      desiredWeights: Record<string, number | null>;
      failureReason?: string;
    }
  | { error: string };

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
  evidence?: HistoryEntry['evidence'];
}

export interface RolloutSummary {
  endpointName: string;
  region: string;
  rolloutId: string;
  phase: Phase;
  stepIndex: number;
  stepCount: number;
  /** The step in progress in words (`pause 10m`, `setWeight 20`), null once past the last. */
  step: string | null;
  baselineVariant: string;
  canaryVariant: string;
  /** Intended weights (the rollout's state). */
  weights: Record<string, number>;
  /** Weights last confirmed on the endpoint; null before the first confirmation. */
  appliedWeights: Record<string, number> | null;
  /** True while the intended weights have not been confirmed on the endpoint yet. */
  pendingWeights: boolean;
  pauseCause: string | null;
  message: string;
  startedAt: string;
  stepStartedAt: string;
  createdAt: string;
  updatedAt: string;
  version: number;
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
  rollout: RolloutSummary;
}

// ---------------------------------------------------------------------------------------------
// Commands.
// ---------------------------------------------------------------------------------------------

export interface StartRequest {
  endpointName: string;
  /** Policy text (YAML or JSON) or a parsed object; absent: the stored one. */
  policy?: string | Record<string, unknown>;
  reason?: string;
}

/**
 * Starts a rollout. Decided by: the policy (request's, else the stored one — invalid → 400 with
 * every problem, stored-but-invalid → 422, none → 400), the policy naming the same endpoint, an
 * existing non-final rollout (409), and the endpoint itself (missing → 404; not InService, a
 * variant missing, or a baseline that currently gets no traffic → 409). The first weights are
 * applied through `applyIntent`; a busy endpoint leaves them pending for the next tick.
 */
export async function startRolloutCommand(
  deps: ControlDeps,
  request: StartRequest,
  ctx: ControlContext,
): Promise<ControlResult<CommandOutcome>> {
  const resolved = await resolvePolicy(deps, request);
  if (!resolved.ok) return resolved;
  const { policy, text } = resolved;
  if (policy.endpoint.name !== request.endpointName) {
    return invalid([
      `policy.endpoint.name: is "${policy.endpoint.name}" but the request starts "${request.endpointName}"`,
    ]);
  }

  const existing = await deps.store.get(request.endpointName);
  if (existing && needsTick(existing)) return conflictWithExisting(existing);

  const region = policy.endpoint.region;
  let snapshot: EndpointSnapshot;
  try {
    snapshot = await deps.endpoints(region).describe(request.endpointName);
  } catch (error) {
    if (error instanceof EndpointNotFoundError) {
      return notFound(`endpoint ${request.endpointName} not found in ${region}`);
    }
    return unavailable(`cannot read endpoint ${request.endpointName}: ${describeError(error)}`);
  }
  const missing = missingVariants(policy, snapshot);
  if (missing.length > 0) {
    const present = snapshot.variants.map((v) => v.name).join(', ') || 'none';
    return {
      ok: false,
      kind: 'conflict',
      error: `endpoint ${request.endpointName} lacks variant(s) the policy names`,
      problems: missing.map((name) => `variant ${name} is not on the endpoint (it has: ${present})`),
    };
  }
  if (snapshot.status !== 'InService') {
    return conflict(
      `endpoint ${request.endpointName} is ${snapshot.status}, not InService; start again once it is InService`,
    );
  }

  const started = startRollout(policy, ctx.now);
  const baseline = snapshot.variants.find((v) => v.name === policy.endpoint.baselineVariant);
  if (baseline?.currentPct === 0 && started.state.canaryWeight < 100) {
    // Typically a finished promotion left the canary at 100%: starting again would hand most
    // traffic back to a variant that has been idle (often the old model). Refuse rather than guess.
    return conflict(
      `baseline variant ${policy.endpoint.baselineVariant} of ${request.endpointName} gets no traffic now; starting would move ${100 - started.state.canaryWeight}% to it. Deploy an endpoint config whose baseline is the model in service first`,
    );
  }
  const transition = withOperator(started, ctx.operator, request.reason);
  let record: RolloutRecord;
  try {
    record = await deps.store.create(
      {
        endpointName: request.endpointName,
        region,
        policyText: text,
        policy,
        state: transition.state,
        // Nothing applied yet: the pending intent is what applyIntent (or the next tick) sends.
        appliedCanaryWeight: null,
      },
      ctx.now,
    );
  } catch (error) {
    if (error instanceof RolloutExistsError) {
      const current = await deps.store.get(request.endpointName);
      return current ? conflictWithExisting(current) : conflict(error.message);
    }
    throw error;
  }

  const applied = await applyIntent(deps, record, { now: ctx.now, snapshot });
  await recordStart(deps, applied.record, transition, ctx, applied.error);
  const body: CommandOutcome = {
    outcome: applied.status === 'applied' ? 'applied' : 'deferred',
    rollout: summarize(applied.record),
  };
  if (applied.error) body.weightsError = applied.error;
  return { ok: true, body };
}

/**
 * Applies an operator command (pause, resume, promote, abort, rollback) through the engine's
 * `applyCommand` and `commitTransition`. Decided by: whether a rollout exists (404), whether the
 * engine accepts the command in the current phase (409 with its message), and version conflicts
 * with the tick or an alarm (re-read and decide again, at most MAX_COMMAND_ATTEMPTS times).
 */
export async function runOperatorCommand(
  deps: ControlDeps,
  endpointName: string,
  command: OperatorCommand,
  ctx: ControlContext,
): Promise<ControlResult<CommandOutcome>> {
  for (let attempt = 0; attempt < MAX_COMMAND_ATTEMPTS; attempt++) {
    const record = await deps.store.get(endpointName);
    if (!record) return notFound(`no rollout for endpoint ${endpointName}`);
    const decided = applyCommand(record.policy, record.state, command, ctx.now);
    if (!decided.ok) return conflict(decided.error);
    const transition = withOperator(decided.transition, ctx.operator);
    const committed = await commitTransition(deps, record, transition, {
      source: 'operator',
      correlationId: ctx.correlationId,
      now: ctx.now,
      actor: ctx.operator,
    });
    if (committed.outcome === 'conflict') continue;
    const body: CommandOutcome = {
      outcome: committed.outcome === 'deferred' ? 'deferred' : committed.outcome,
      rollout: summarize(committed.record),
    };
    if (committed.error) body.weightsError = committed.error;
    return { ok: true, body };
  }
  return conflict(
    `rollout of ${endpointName} kept changing while the command was applied (${MAX_COMMAND_ATTEMPTS} attempts); try again`,
  );
}

/**
 * Status of one rollout: the stored state, the last history entry (decision and evidence) and what
 * the endpoint reports. An unreadable endpoint is shown as `{ error }`, not a failed request.
 */
export async function rolloutStatus(
  deps: ControlDeps,
  endpointName: string,
): Promise<ControlResult<RolloutStatus>> {
  const record = await deps.store.get(endpointName);
  if (!record) return notFound(`no rollout for endpoint ${endpointName}`);
  const [history, endpoint] = await Promise.all([
    deps.store.history(endpointName, { limit: 1 }),
    readEndpoint(deps, record),
  ]);
  const last = history[0];
  const body: RolloutStatus = {
    ...summarize(record),
    lastDecision: last ? decisionView(last) : null,
    endpoint,
  };
  if (deps.regionSync && record.state.phase === 'Promoted' && record.policy.regions.length > 0) {
    try {
      const items = await deps.regionSync.list(endpointName);
      body.regions = items.map((item) => ({
        region: item.region,
        targetEndpointName: item.targetEndpointName,
        status: item.status,
        attempts: item.attempts,
        lastError: item.lastError,
        drift: item.drift ?? null,
        replacedConfig: item.replacedConfig ?? null,
        updatedAt: item.updatedAt,
      }));
    } catch (error) {
      (deps.log ?? SILENT_LOG).warn('region sync progress could not be read', {
        error: describeError(error),
      });
    }
  }
  return { ok: true, body };
}

/**
 * Active rollouts (the tick's work list) and the most recent finished ones. The recent list is a
 * convenience: when it cannot be read (e.g. the role lacks `dynamodb:Scan`) the active list is
 * still answered, with `recentError` saying why `recent` is empty.
 */
export async function listRollouts(deps: ControlDeps): Promise<ControlResult<RolloutList>> {
  const log = deps.log ?? SILENT_LOG;
  const readRecent = async (): Promise<{ records: RolloutRecord[]; error?: string }> => {
    if (!deps.listRecent) return { records: [] };
    try {
      return { records: await deps.listRecent(RECENT_ROLLOUTS_LIMIT) };
    } catch (error) {
      log.warn('recent rollouts could not be listed', { error: describeError(error) });
      return { records: [], error: describeError(error) };
    }
  };
  const [active, recent] = await Promise.all([deps.store.listActive(), readRecent()]);
  const activeNames = new Set(active.map((r) => r.endpointName));
  const body: RolloutList = {
    active: active.map(summarize).sort((a, b) => a.endpointName.localeCompare(b.endpointName)),
    recent: recent.records
      .filter((r) => !activeNames.has(r.endpointName))
      .map(summarize)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)),
  };
  if (recent.error) body.recentError = recent.error;
  return { ok: true, body };
}

/** History of one endpoint's rollouts, newest first, at most `limit` entries; 404 when nothing is known. */
export async function rolloutHistory(
  deps: ControlDeps,
  endpointName: string,
  limit: number,
): Promise<ControlResult<RolloutHistory>> {
  const entries = await deps.store.history(endpointName, { limit });
  if (entries.length === 0 && !(await deps.store.get(endpointName))) {
    return notFound(`no rollout for endpoint ${endpointName}`);
  }
  return { ok: true, body: { endpointName, entries: entries.map(decisionView) } };
}

// ---------------------------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------------------------

type ResolvedPolicy = { ok: true; policy: RolloutPolicy; text: string } | ControlFailure;

async function resolvePolicy(deps: ControlDeps, request: StartRequest): Promise<ResolvedPolicy> {
  if (typeof request.policy === 'string') {
    const parsed = parsePolicyText(request.policy);
    return parsed.ok
      ? { ok: true, policy: parsed.policy, text: request.policy }
      : invalid(inPolicy(parsed.problems));
  }
  if (request.policy !== undefined) {
    const parsed = parsePolicy(request.policy);
    return parsed.ok
      ? { ok: true, policy: parsed.policy, text: JSON.stringify(request.policy, null, 2) }
      : invalid(inPolicy(parsed.problems));
  }
  let stored: PolicyLookup;
  try {
    stored = await deps.policies.get(request.endpointName);
  } catch (error) {
    return unavailable(`cannot read the stored policy of ${request.endpointName}: ${describeError(error)}`);
  }
  const where = deps.policies.parameterName?.(request.endpointName) ?? 'the parameter store';
  if (stored.status === 'ok') return { ok: true, policy: stored.policy, text: stored.text };
  if (stored.status === 'invalid') {
    return {
      ok: false,
      kind: 'unprocessable',
      error: `the policy stored at ${where} is invalid; fix it or pass a policy in the request`,
      problems: inPolicy(stored.problems),
    };
  }
  return invalid([`policy: required, because no policy is stored at ${where}`]);
}

/** Engine problems are relative to the policy document; the API reports them relative to the body. */
function inPolicy(problems: ReadonlyArray<string>): string[] {
  return problems.map((problem) => {
    if (problem.startsWith('(')) return `policy${problem.slice(problem.indexOf(')') + 1)}`;
    return problem.startsWith(':') ? `policy${problem}` : `policy.${problem}`;
  });
}

/**
 * Names the operator in the decision's reason, so history and notifications say who acted. The
 * engine already words commands as "... by an operator (reason) ..."; the identity replaces "an
 * operator" there, and is appended otherwise (with `reason`, which only a start carries outside
 * the engine's wording).
 */
function withOperator(transition: Transition, operator: string, reason?: string): Transition {
  const original = transition.decision.reason;
  const text = original.includes('by an operator')
    ? original.replace('by an operator', `by ${operator}`)
    : `${original} (by ${operator}${reason ? `: ${reason}` : ''})`;
  return {
    state: { ...transition.state, message: text },
    decision: { ...transition.decision, reason: text },
  };
}

async function recordStart(
  deps: ControlDeps,
  record: RolloutRecord,
  transition: Transition,
  ctx: ControlContext,
  weightsError: string | undefined,
): Promise<void> {
  const log = deps.log ?? SILENT_LOG;
  const time = new Date(ctx.now).toISOString();
  const reason = weightsError
    ? `${transition.decision.reason} The first weights could not be applied yet (${weightsError}); the next run retries.`
    : transition.decision.reason;
  await writeHistory(deps, record.endpointName, {
    time,
    rolloutId: record.rolloutId,
    version: 1,
    source: 'start',
    kind: 'start',
    action: transition.decision.action,
    phase: transition.state.phase,
    stepIndex: transition.state.stepIndex,
    canaryWeight: transition.state.canaryWeight,
    reason,
    evidence: transition.decision.evidence,
    correlationId: ctx.correlationId,
  });
  const notification = notificationFromTransition({
    policy: record.policy,
    before: null,
    transition,
    source: 'operator',
    actor: ctx.operator,
    correlationId: ctx.correlationId,
    ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
  });
  notification.time = time;
  notification.reason = reason;
  const published = await deps.notifier.publish(notification);
  if (!published.ok) {
    log.warn('notification failed; the rollout stands', {
      endpointName: record.endpointName,
      error: published.error,
    });
  }
}

async function readEndpoint(deps: ControlDeps, record: RolloutRecord): Promise<EndpointView> {
  try {
    const snapshot = await deps.endpoints(record.region).describe(record.endpointName);
    const view: EndpointView = {
      status: snapshot.status,
      weights: Object.fromEntries(snapshot.variants.map((v) => [v.name, roundPct(v.currentPct)])),
      desiredWeights: Object.fromEntries(snapshot.variants.map((v) => [v.name, roundPct(v.desiredPct)])),
    };
    if (snapshot.failureReason) view.failureReason = snapshot.failureReason;
    return view;
  } catch (error) {
    return { error: describeError(error) };
  }
}

function roundPct(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100;
}

/** The API's view of a stored rollout (no policy text, no engine internals such as the metric window). */
export function summarize(record: RolloutRecord): RolloutSummary {
  const { policy, state } = record;
  return {
    endpointName: record.endpointName,
    region: record.region,
    rolloutId: record.rolloutId,
    phase: state.phase,
    stepIndex: state.stepIndex,
    stepCount: policy.steps.length,
    step: describeStep(policy.steps[state.stepIndex]),
    baselineVariant: policy.endpoint.baselineVariant,
    canaryVariant: policy.endpoint.canaryVariant,
    weights: splitTraffic(policy, state.canaryWeight),
    appliedWeights:
      record.appliedCanaryWeight === null ? null : splitTraffic(policy, record.appliedCanaryWeight),
    pendingWeights: record.appliedCanaryWeight !== state.canaryWeight,
    pauseCause: state.pauseCause,
    message: state.message,
    startedAt: isoOrNull(state.startedAt) ?? record.createdAt,
    stepStartedAt: isoOrNull(state.stepStartedAt) ?? record.updatedAt,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    version: record.version,
  };
}

function describeStep(step: Step | undefined): string | null {
  if (!step) return null;
  if (step.kind === 'setWeight') return `setWeight ${step.weight}`;
  if (step.durationSeconds === null) return 'pause (until resumed)';
  const s = step.durationSeconds;
  const text = s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`;
  return `pause ${text}`;
}

function isoOrNull(epochMs: number): string | null {
  return Number.isFinite(epochMs) ? new Date(epochMs).toISOString() : null;
}

function decisionView(entry: HistoryEntry): DecisionView {
  const view: DecisionView = {
    time: entry.time,
    rolloutId: entry.rolloutId,
    action: entry.action ?? null,
    kind: entry.kind,
    source: entry.source,
    phase: entry.phase,
    canaryWeight: entry.canaryWeight,
    reason: entry.reason,
  };
  if (entry.evidence) view.evidence = entry.evidence;
  return view;
}

function conflictWithExisting(existing: RolloutRecord): ControlFailure {
  return conflict(
    `a rollout of ${existing.endpointName} is ${existing.state.phase} (step ${existing.state.stepIndex + 1}/${existing.policy.steps.length}, canary ${existing.state.canaryWeight}%); abort or finish it first`,
  );
}

function invalid(problems: string[]): ControlFailure {
  return { ok: false, kind: 'invalid', error: 'invalid request', problems };
}

function notFound(error: string): ControlFailure {
  return { ok: false, kind: 'not-found', error };
}

function conflict(error: string): ControlFailure {
  return { ok: false, kind: 'conflict', error };
}

function unavailable(error: string): ControlFailure {
  return { ok: false, kind: 'unavailable', error };
}

/** Items a recent-rollouts scan reads per page. Items. */
const SCAN_PAGE_SIZE = 500;

/**
 * `listRecent` for ControlDeps until the rollout store offers it: scans the table for state items
 * that left the active index (finished rollouts), keeps the newest `limit` by `updatedAt`, and reads
 * each through the store. A scan reads history items too, so this is only for an operator's list
 * call, never for the tick's path.
 */
export function recentRolloutsByScan(
  doc: DynamoDBDocumentClient,
  tableName: string,
  store: Pick<RolloutStore, 'get'>,
): (limit: number) => Promise<RolloutRecord[]> {
  return async (limit) => {
    const finished: Array<{ endpointName: string; updatedAt: string }> = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: 'sk = :state AND attribute_not_exists(activePk)',
          ProjectionExpression: 'endpointName, updatedAt',
          ExpressionAttributeValues: { ':state': 'STATE' },
          ExclusiveStartKey: startKey,
          Limit: SCAN_PAGE_SIZE,
        }),
      );
      for (const item of page.Items ?? []) {
        if (typeof item.endpointName === 'string') {
          finished.push({ endpointName: item.endpointName, updatedAt: String(item.updatedAt ?? '') });
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    finished.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    const records = await Promise.all(finished.slice(0, limit).map((f) => store.get(f.endpointName)));
    return records.filter((r): r is RolloutRecord => r !== undefined);
  };
}
