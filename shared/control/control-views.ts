import { splitTraffic } from '../domain/index';
import { describeStep } from '../wording/describe-step';
import { blueGreenView } from './blue-green-view';
import type { EndpointSnapshot } from '../ports/endpoint-weights';
import type { HistoryEntry, RolloutRecord } from '../ports/rollout-repository';
import type { EndpointChange } from '../domain/endpoint-change';
import { describeChangeStatus } from '../wording/describe-endpoint-change';
import { inShadow } from '../domain/judge-shadow';
import { shadowView } from './shadow-view';
import type {
  DecisionView,
  EndpointChangeView,
  EndpointView,
  GateView,
  RolloutSummary,
} from './control-contract';
import { isFinal } from '../domain/is-final';
import type { GateState } from '../domain/types';
import { describeGateWait } from '../wording/describe-next';

/** How stored rollouts, history entries and endpoint snapshots are shown by the control API. */

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
    ...(record.endpointChange ? { endpointChange: endpointChangeView(record.endpointChange) } : {}),
    ...(state.gate && !isFinal(state.phase) ? { gate: gateView(state.gate) } : {}),
    ...(inShadow(state.shadow) ? { shadow: shadowView(policy, state) } : {}),
    ...(state.blueGreen ? { blueGreen: blueGreenView({ ...state, blueGreen: state.blueGreen }) } : {}),
  };
}

/** The gate a rollout waits at, as the API shows it: its hooks, their reason, the count, and what comes next. */
export function gateView(gate: GateState): GateView {
  return {
    point: gate.point,
    hooks: [...gate.hooks],
    since: new Date(gate.since).toISOString(),
    failures: gate.failures,
    failureLimit: gate.failureLimit,
    onFailure: gate.onFailure,
    nextWeight: gate.nextWeight,
    reason: gate.reason,
    description: describeGateWait(gate),
  };
}

/** The change as the API shows it: its fields, ISO times, and a line in words. */
export function endpointChangeView(change: EndpointChange): EndpointChangeView {
  const view: EndpointChangeView = {
    kind: change.kind,
    status: change.status,
    description: describeChangeStatus(change),
    dueAt: new Date(change.dueAt).toISOString(),
    since: new Date(change.since).toISOString(),
    attempt: change.attempt,
  };
  if (change.model) view.model = change.model;
  if (change.targetConfig) view.targetConfig = change.targetConfig;
  if (change.previousConfig) view.previousConfig = change.previousConfig;
  if (change.added) view.added = change.added;
  if (change.released) view.released = change.released;
  if (change.failure) view.failure = change.failure;
  if (change.sent) view.sent = true;
  return view;
}

export function decisionView(entry: HistoryEntry): DecisionView {
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
  if (entry.cause) view.cause = entry.cause;
  if (entry.evidence) view.evidence = entry.evidence;
  if (entry.hook) view.hook = entry.hook;
  return view;
}

/** What the endpoint reports, weights rounded to hundredths of a percent. */
export function endpointView(snapshot: EndpointSnapshot): EndpointView {
  const view: EndpointView = {
    status: snapshot.status,
    weights: Object.fromEntries(snapshot.variants.map((v) => [v.name, roundPct(v.currentPct)])),
    desiredWeights: Object.fromEntries(snapshot.variants.map((v) => [v.name, roundPct(v.desiredPct)])),
  };
  if (snapshot.failureReason) view.failureReason = snapshot.failureReason;
  return view;
}

function roundPct(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100;
}

function isoOrNull(epochMs: number): string | null {
  return Number.isFinite(epochMs) ? new Date(epochMs).toISOString() : null;
}
