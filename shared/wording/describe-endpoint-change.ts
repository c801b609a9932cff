import type { EndpointChange, InstanceSet } from '../domain/endpoint-change';
import { formatDuration } from './format-values';

/** How the endpoint lifecycle's steps read in history, notifications and `status`. */

/** `2 × ml.m5.xlarge (primary, model fraud-v1)`; a serverless variant has no instance type. */
export function describeInstanceSet(set: InstanceSet): string {
  const what = set.instanceType ? `${set.instanceCount ?? '?'} × ${set.instanceType}` : 'serverless capacity';
  return `${what} (${set.variantName}${set.modelName ? `, model ${set.modelName}` : ''})`;
}

/** `adds 1 × ml.m5.large (canary, model v2); releases 2 × ml.m5.xlarge (primary, model v1)`. */
export function describeCosts(change: Pick<EndpointChange, 'added' | 'released'>): string {
  const parts: string[] = [];
  if (change.added?.length) parts.push(`adds ${change.added.map(describeInstanceSet).join(', ')}`);
  if (change.released?.length) parts.push(`releases ${change.released.map(describeInstanceSet).join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'no instances added or released';
}

const WHAT: Readonly<Record<EndpointChange['kind'], string>> = {
  'add-canary': 'canary deployment',
  'retire-baseline': 'baseline retirement',
  'remove-canary': 'canary clean-up',
  'add-shadow': 'shadow deployment',
  'shadow-to-canary': 'canary deployment from the shadow',
  'remove-shadow': 'shadow removal',
};

/** `baseline retirement`, `canary clean-up`, `canary deployment`. */
export function describeChangeKind(kind: EndpointChange['kind']): string {
  return WHAT[kind];
}

interface Names {
  endpointName: string;
  baselineVariant: string;
  canaryVariant: string;
}

/** The update was sent: what it moves the endpoint to, what it costs, what is kept meanwhile. */
export function describeChangeBegun(change: EndpointChange, names: Names): string {
  const target = change.targetConfig ?? '(unnamed)';
  const kept = change.previousConfig
    ? ` Config ${change.previousConfig} stays in service until ${target} is InService.`
    : '';
  const costs = describeCosts(change);
  switch (change.kind) {
    case 'add-canary':
      return `Deploying model ${change.model ?? '?'} as variant ${names.canaryVariant} beside ${names.baselineVariant} on ${names.endpointName} (config ${target}, canary at 0%): ${costs}.${kept}`;
    case 'retire-baseline':
      return `Retiring the baseline of ${names.endpointName}: config ${target} runs the promoted model alone as variant ${names.baselineVariant} at 100%: ${costs}.${kept}`;
    case 'remove-canary':
      return `Removing the rolled-back canary from ${names.endpointName}: config ${target} runs ${names.baselineVariant} alone at 100%: ${costs}.${kept}`;
    case 'add-shadow':
      return `Deploying model ${change.model ?? '?'} as shadow variant ${names.canaryVariant} beside ${names.baselineVariant} on ${names.endpointName} (config ${target}): it gets a copy of a share of the requests and answers nobody; ${costs}.${kept}`;
    case 'shadow-to-canary':
      return `The shadow passed: config ${target} makes model ${change.model ?? '?'} the production variant ${names.canaryVariant} at 0% beside ${names.baselineVariant} on ${names.endpointName}, on the shadow's model and instances (no cost change), with no shadow left.${kept}`;
    case 'remove-shadow':
      return `Removing the shadow from ${names.endpointName} at once: config ${target} runs ${names.baselineVariant} alone at 100%; no user request was answered by the new model: ${costs}.${kept}`;
  }
}

/** The endpoint is in service on the target config (or already was as the change would leave it). */
export function describeChangeDone(
  change: EndpointChange,
  names: Names,
  cleanup: { deleted: string[]; kept: Array<{ name: string; why: string }> },
  unchanged?: string,
): string {
  if (unchanged)
    return `${capitalise(describeChangeKind(change.kind))} of ${names.endpointName}: nothing to change (${unchanged}).`;
  const deleted =
    cleanup.deleted.length > 0 ? ` Deleted the superseded config ${cleanup.deleted.join(', ')}.` : '';
  const kept = cleanup.kept.map((k) => ` Kept config ${k.name}: ${k.why}.`).join('');
  const costs = describeCosts(change);
  switch (change.kind) {
    case 'add-canary':
      return `Canary deployed on ${names.endpointName}: config ${change.targetConfig} is InService with model ${change.model ?? '?'} as variant ${names.canaryVariant} (${costs}).${deleted}${kept}`;
    case 'retire-baseline':
      return `Baseline retired on ${names.endpointName}: config ${change.targetConfig} is InService, the promoted model serves all traffic as variant ${names.baselineVariant} (${costs}).${deleted}${kept} The endpoint is ready for the next start.`;
    case 'remove-canary':
      return `Canary removed from ${names.endpointName}: config ${change.targetConfig} is InService with ${names.baselineVariant} alone (${costs}).${deleted}${kept} The endpoint is ready for the next start.`;
    case 'add-shadow':
      return `Shadow deployed on ${names.endpointName}: config ${change.targetConfig} is InService with model ${change.model ?? '?'} as shadow variant ${names.canaryVariant}, answering nobody (${costs}).${deleted}${kept}`;
    case 'shadow-to-canary':
      return `Canary deployed from the shadow on ${names.endpointName}: config ${change.targetConfig} is InService with model ${change.model ?? '?'} as production variant ${names.canaryVariant} (same instances as the shadow).${deleted}${kept}`;
    case 'remove-shadow':
      return `Shadow removed from ${names.endpointName}: config ${change.targetConfig} is InService with ${names.baselineVariant} alone (${costs}); no user traffic ever moved to the new model.${deleted}${kept} The endpoint is ready for the next start.`;
  }
}

/** SageMaker refused or undid the change: nothing half-done, and a person decides. */
export function describeChangeFailed(change: EndpointChange, names: Names, failure: string): string {
  const back = change.previousConfig ? ` The endpoint stays on config ${change.previousConfig}.` : '';
  return `The ${describeChangeKind(change.kind)} of ${names.endpointName} failed: ${failure}.${back}`;
}

/** What follows a failed change: `resume` tries it again; the rest depends on the kind. */
export function describeChangeFailedNext(change: EndpointChange): string {
  switch (change.kind) {
    case 'add-canary':
      return 'The rollout is paused before its first step; the canary serves nothing. Fix the cause (model, capacity, quota), then `resume` to try the deployment again, or `abort`.';
    case 'retire-baseline':
      return 'The baseline retirement is paused; the endpoint still serves the promoted model at 100% beside the idle baseline. Fix the cause, then `resume` to try again, or `rollback` to send traffic back to the baseline.';
    case 'remove-canary':
      return 'The canary clean-up is paused; the canary variant stays at 0%. Fix the cause, then `resume` to try again.';
    case 'add-shadow':
      return 'The rollout is paused before its shadow phase; nothing serves or copies to the new model. Fix the cause (model, capacity, quota), then `resume` to try the deployment again, or `abort`.';
    case 'shadow-to-canary':
      return 'The rollout is paused after its shadow passed; the shadow keeps its copies and no user request reaches the new model. Fix the cause, then `resume` to try again, or `abort` (the shadow is then removed).';
    case 'remove-shadow':
      return 'The shadow removal is paused; the shadow variant keeps getting copies of the requests (it answers nobody, but costs its instances). Fix the cause, then `resume` to try again.';
  }
}

/** What follows once the update is sent. */
export function describeChangeBegunNext(change: EndpointChange): string {
  if (change.kind === 'add-shadow')
    return "The watchdog waits for the endpoint to be InService, then the shadow phase begins: the shadow is judged on its copies for the policy's shadow duration.";
  return change.kind === 'add-canary' || change.kind === 'shadow-to-canary'
    ? 'The watchdog waits for the endpoint to be InService, then applies the first step.'
    : 'The watchdog waits for the endpoint to be InService, then deletes the superseded config it made.';
}

/** A change not begun yet, for `status`: `baseline retirement due at 2026-...`. */
export function describeChangeWaiting(change: EndpointChange): string {
  return `${describeChangeKind(change.kind)} due at ${new Date(change.dueAt).toISOString()}`;
}

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** Where a change stands, in one line for `status`. */
export function describeChangeStatus(change: EndpointChange): string {
  const what = describeChangeKind(change.kind);
  switch (change.status) {
    case 'waiting':
      return describeChangeWaiting(change);
    case 'updating':
      return change.sent
        ? `${what} under way: the endpoint moves to config ${change.targetConfig ?? '?'} (${describeCosts(change)})`
        : `${what} begun: UpdateEndpoint to config ${change.targetConfig ?? '?'} not accepted by SageMaker yet, sent again next tick`;
    case 'done':
      return `${what} done: config ${change.targetConfig ?? '?'} in service (${describeCosts(change)})`;
    case 'failed':
      return `${what} failed: ${change.failure ?? 'unknown reason'}; resume tries it again`;
  }
}

/**
 * The start of a rollout from a model name with a shadow phase, which opens with the shadow's
 * deployment: `rollout started (by alice): model fraud-v2 is deployed first as shadow variant
 * canary (20% of requests copied, answering nobody); once it is InService the shadow is judged
 * for 30m, then the steps begin at canary 10% if it passes`.
 */
export function describeDeployingShadowStart(args: {
  model: string;
  canaryVariant: string;
  samplingPercent: number;
  durationSeconds: number;
  firstWeight: number;
  operator?: string;
  reason?: string | undefined;
}): string {
  const by = args.operator ? ` (by ${args.operator}${args.reason ? `: ${args.reason}` : ''})` : '';
  return `rollout started${by}: model ${args.model} is deployed first as shadow variant ${args.canaryVariant} (${args.samplingPercent}% of requests copied, answering nobody); once it is InService the shadow is judged for ${formatDuration(args.durationSeconds)}, then the steps begin at canary ${args.firstWeight}% if it passes`;
}

/**
 * The start of a rollout from a model name, which opens with the deployment (the canary serves
 * nothing yet): `rollout started (by alice: ship v2): model fraud-v2 is deployed first as variant
 * canary at 0%; once it is InService the steps begin at canary 5%`.
 */
export function describeDeployingStart(args: {
  model: string;
  canaryVariant: string;
  firstWeight: number;
  operator?: string;
  reason?: string | undefined;
}): string {
  const by = args.operator ? ` (by ${args.operator}${args.reason ? `: ${args.reason}` : ''})` : '';
  return `rollout started${by}: model ${args.model} is deployed first as variant ${args.canaryVariant} at 0%; once it is InService the steps begin at canary ${args.firstWeight}%`;
}
