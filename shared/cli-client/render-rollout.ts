import type { Evidence, VariantSummary } from '../domain/types';
import { describePauseCause } from '../wording/describe-decision';
import { describeChangeFailedNext, describeChangeKind } from '../wording/describe-endpoint-change';
import { describeTraffic } from '../wording/describe-evidence';
import { formatWeight } from '../wording/format-values';
import type {
  CommandOutcome,
  DecisionView,
  EndpointChangeView,
  EndpointRunsView,
  EndpointView,
  RolloutHistory,
  RolloutList,
  RolloutStatus,
  RolloutSummary,
} from '../control/control-contract';

/** Plain-text renderings of control API answers, for the `rollout-watchdog` CLI. */

function weightsText(weights: Readonly<Record<string, number | null>>): string {
  return Object.entries(weights)
    .map(([name, pct]) => `${name} ${pct === null ? '?' : formatWeight(pct)}`)
    .join(' / ');
}

function stepText(summary: RolloutSummary): string {
  // A blue/green policy has no steps of its own: SageMaker's deployment moves the traffic.
  if (summary.stepCount === 0) return "SageMaker's blue/green deployment";
  if (summary.step === null) return `all ${summary.stepCount} steps done`;
  return `step ${summary.stepIndex + 1}/${summary.stepCount}: ${summary.step}`;
}

function variantText(name: string, v: VariantSummary): string {
  return `${name} ${describeTraffic(v)}`;
}

function evidenceLines(evidence: Evidence | undefined, indent: string): string[] {
  if (!evidence) return [];
  const lines = [
    `${indent}${variantText('canary', evidence.canary)} | ${variantText('baseline', evidence.baseline)}`,
  ];
  for (const metric of evidence.metrics)
    lines.push(`${indent}${metric.name}: ${metric.verdict} - ${metric.reason}`);
  if (evidence.alarm) lines.push(`${indent}alarm ${evidence.alarm.name}: ${evidence.alarm.state}`);
  return lines;
}

function endpointText(endpoint: EndpointView): string {
  if ('error' in endpoint) return `unreadable (${endpoint.error})`;
  const desired = weightsText(endpoint.desiredWeights);
  const current = weightsText(endpoint.weights);
  const moving = desired !== current ? ` -> ${desired}` : '';
  return `${endpoint.status}: ${current}${moving}${endpoint.failureReason ? ` (${endpoint.failureReason})` : ''}`;
}

/** `primary  model fraud-v1 on 2 × ml.m5.xlarge`: what each variant costs, one line each. */
function runsLines(runs: EndpointRunsView | undefined, indent: string): string[] {
  if (!runs) return [];
  const pending = runs.pendingConfigName ? ` (updating to ${runs.pendingConfigName})` : '';
  const lines = [`config ${runs.configName ?? '?'}${pending}`];
  const width = Math.max(0, ...runs.variants.map((v) => v.variantName.length));
  for (const v of runs.variants) {
    const instances = v.instanceType ? `${v.instanceCount ?? '?'} × ${v.instanceType}` : 'serverless';
    lines.push(`${indent}${v.variantName.padEnd(width)}  model ${v.modelName ?? '?'} on ${instances}`);
  }
  return lines;
}

/** `baseline retirement waiting`: the lifecycle step a rollout owes or made last, in a few words. */
function lifecycleNote(change: EndpointChangeView | undefined): string {
  return change ? `${describeChangeKind(change.kind)} ${change.status}` : '';
}

function decisionLine(d: DecisionView): string {
  const what = d.action ?? d.kind;
  return `${d.time}  ${what.padEnd(12)} ${d.phase.padEnd(11)} canary ${formatWeight(d.canaryWeight).padStart(4)}  ${d.reason}`;
}

/** One-rollout status: phase and step, intended vs endpoint weights, the last decision with its numbers. */
export function renderStatus(status: RolloutStatus): string {
  const lines = [
    `${status.endpointName} (${status.region})  ${status.phase}  ${stepText(status)}`,
    `  weights   ${weightsText(status.weights)}${status.pendingWeights ? '  (not yet confirmed on the endpoint)' : ''}`,
    `  endpoint  ${endpointText(status.endpoint)}`,
    `  started   ${status.startedAt}   step since ${status.stepStartedAt}`,
  ];
  if ('runs' in status.endpoint) {
    const [config, ...variants] = runsLines(status.endpoint.runs, '            ');
    if (config) lines.push(`  runs      ${config}`, ...variants);
  }
  if (status.endpointChange) lines.push(`  lifecycle ${status.endpointChange.description}`);
  if (status.shadow) {
    const w = status.shadow.window;
    lines.push(
      `  shadow    ${status.shadow.description}; in the window: ${w.shadowRequests} copies (${w.shadowErrors5xx} 5XX) vs baseline ${w.baselineRequests} req (${w.baselineErrors5xx} 5XX)`,
    );
  }
  if (status.gate) lines.push(`  gate      ${status.gate.description}`);
  if (status.blueGreen) {
    const bg = status.blueGreen;
    lines.push(
      `  blue/grn  ${bg.description} (since ${bg.since}); new fleet ${bg.greenShare}%`,
      `            new config ${bg.newConfig} (model ${bg.model}), old config ${bg.oldConfig}`,
      `            SageMaker rolls back on ${bg.alarms.join(', ')}; verdict ${bg.verdict}${bg.rollbackRequested ? ` (rollback asked by ${bg.rollbackRequested.by}: ${bg.rollbackRequested.reason})` : ''}${bg.rolledBackBy ? `; rolled back on ${bg.rolledBackBy}` : ''}`,
    );
  }
  if (status.pauseCause) {
    lines.push(`  paused    ${describePauseCause(status.pauseCause, stepText(status))}`);
  }
  if (status.lastDecision) {
    const d = status.lastDecision;
    lines.push(`  last      ${d.time} ${d.action ?? d.kind}: ${d.reason}`);
    lines.push(...evidenceLines(d.evidence, '            '));
  } else if (status.message) {
    lines.push(`  last      ${status.message}`);
  }
  for (const r of status.regions ?? []) {
    const detail = r.drift ? ` - DRIFT: ${r.drift}` : r.lastError ? ` - ${r.lastError}` : '';
    lines.push(
      `  region    ${r.region} ${r.targetEndpointName}: ${r.status} (attempt ${r.attempts})${detail}`,
    );
  }
  return lines.join('\n');
}

/** Active rollouts first, then recent finished ones, one line each. */
export function renderList(list: RolloutList): string {
  const row = (r: RolloutSummary) =>
    `  ${r.endpointName.padEnd(32)} ${r.region.padEnd(14)} ${r.phase.padEnd(11)} ${weightsText(r.weights).padEnd(28)} ${stepText(r)}${r.endpointChange ? `  [${lifecycleNote(r.endpointChange)}]` : ''}`;
  const lines = [`active (${list.active.length})`];
  lines.push(...(list.active.length > 0 ? list.active.map(row) : ['  none']));
  lines.push(`recent (${list.recent.length})`);
  lines.push(...(list.recent.length > 0 ? list.recent.map(row) : ['  none']));
  return lines.join('\n');
}

/** History, newest first, one decision per line with its reason. */
export function renderHistory(history: RolloutHistory): string {
  if (history.entries.length === 0) return `${history.endpointName}: no history`;
  return [
    `${history.endpointName}: ${history.entries.length} entries, newest first`,
    ...history.entries.map(decisionLine),
  ].join('\n');
}

/**
 * A canary deployment that failed: SageMaker's words, where the endpoint stands and what to do
 * (fix the cause, then `resume` retries it, or `abort`).
 */
export function renderDeploymentFailure(rollout: RolloutSummary): string {
  const change = rollout.endpointChange;
  if (!change) return `the canary deployment of ${rollout.endpointName} failed`;
  const back = change.previousConfig ? ` The endpoint stays on config ${change.previousConfig}.` : '';
  const next = describeChangeFailedNext({
    kind: change.kind,
    status: change.status,
    dueAt: Date.parse(change.dueAt),
    since: Date.parse(change.since),
    attempt: change.attempt,
  });
  return [
    `the ${describeChangeKind(change.kind)} of ${rollout.endpointName} failed: ${change.failure ?? 'no reason given'}.${back}`,
    next,
    `  rollout-watchdog resume ${rollout.endpointName} [--reason TEXT]   try the deployment again`,
    `  rollout-watchdog abort ${rollout.endpointName} [--reason TEXT]    give up on this model`,
  ].join('\n');
}

/** What a start or command did, and where the rollout stands now. */
export function renderOutcome(verb: string, outcome: CommandOutcome): string {
  const r = outcome.rollout;
  const lines = [`${verb} ${r.endpointName}: ${r.phase}, ${weightsText(r.weights)} (${stepText(r)})`];
  if (outcome.outcome === 'deferred')
    lines.push('  the endpoint is busy; the new weights are applied on the next run');
  if (outcome.outcome === 'unchanged') lines.push('  nothing changed');
  if (outcome.weightsError) lines.push(`  weights not applied yet: ${outcome.weightsError}`);
  if (r.message) lines.push(`  ${r.message}`);
  if (r.endpointChange) lines.push(`  ${r.endpointChange.description}`);
  return lines.join('\n');
}
