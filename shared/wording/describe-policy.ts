import { lifecycleOf } from '../domain/endpoint-change';
import type {
  BlueGreenPolicy,
  BlueGreenRouting,
  HookPoint,
  HookPolicy,
  LifecyclePolicy,
  RolloutPolicy,
  ShadowPolicy,
} from '../domain/types';
import { describePause } from './describe-step';
import { formatDuration } from './format-values';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * One line summarising the plan, for `validate` and notifications, e.g.
 * `demo-endpoint (us-east-1): primary -> canary 5% > pause 10m > 20% > pause until resumed > promote; 2 metrics; 1 alarm;
 * baseline retired 10m after promotion, canary removed 30m after a rollback`. A shadow phase leads
 * the steps (`shadow (copy of 50% of requests) 10m > 10% > ...`); a blue/green plan replaces them with
 * SageMaker's routing, bake and rollback alarms. Hooks are counted here and worded one by one by
 * `describeHook`.
 */
export function describePolicy(policy: RolloutPolicy): string {
  const { name, region, baselineVariant, canaryVariant } = policy.endpoint;
  const plan =
    policy.blueGreen === undefined
      ? `${baselineVariant} -> ${canaryVariant} ${describeCanaryPlan(policy)}`
      : `${baselineVariant}: ${describeBlueGreen(policy.blueGreen)}`;
  const parts = [
    `${name} (${region}): ${plan}`,
    `judged every ${formatDuration(policy.analysis.intervalSeconds)} over ${formatDuration(policy.analysis.windowSeconds)}`,
    plural(policy.analysis.metrics.length, 'metric'),
  ];
  // A blue/green plan names SageMaker's alarms above; "0 alarms" beside them would read as none at all.
  if (policy.blueGreen === undefined || policy.rollback.onAlarms.length > 0) {
    parts.push(plural(policy.rollback.onAlarms.length, 'alarm'));
  }
  if (policy.hooks !== undefined && policy.hooks.length > 0) parts.push(plural(policy.hooks.length, 'hook'));
  if (policy.regions.length > 0) parts.push(`then ${plural(policy.regions.length, 'region')}`);
  // SageMaker itself terminates the old fleet after the bake, and a rolled-back green fleet.
  if (policy.blueGreen === undefined) parts.push(describeLifecycle(lifecycleOf(policy)));
  return parts.join('; ');
}

/** `shadow (copy of 50% of requests) 10m > 10% > pause 5m > promote`. */
function describeCanaryPlan(policy: RolloutPolicy): string {
  const steps = policy.steps.map((step) =>
    step.kind === 'setWeight' ? `${step.weight}%` : describePause(step.durationSeconds),
  );
  const shadow = policy.shadow === undefined ? [] : [describeShadow(policy.shadow)];
  return [...shadow, ...steps, 'promote'].join(' > ');
}

/** `shadow (copy of 50% of requests) 10m`: a copy of that share goes to the new model, whose answers reach nobody. */
export function describeShadow(shadow: ShadowPolicy): string {
  return `shadow (copy of ${shadow.samplingPercent}% of requests) ${formatDuration(shadow.durationSeconds)}`;
}

/**
 * `blue/green by SageMaker, 20% of capacity, the rest 5m later > bake 10m > old fleet terminated;
 * SageMaker rolls back on fraud-5xx and the watchdog's verdict alarm`.
 */
export function describeBlueGreen(blueGreen: BlueGreenPolicy): string {
  const alarms = [...blueGreen.alarms, "the watchdog's verdict alarm"];
  const timeout =
    blueGreen.maximumExecutionTimeoutSeconds === undefined
      ? ''
      : `, or when it takes over ${formatDuration(blueGreen.maximumExecutionTimeoutSeconds)}`;
  return (
    `blue/green by SageMaker, ${describeRouting(blueGreen.routing)} > bake ${formatDuration(blueGreen.bakeSeconds)} > old fleet terminated; ` +
    `SageMaker rolls back on ${joinWords(alarms)}${timeout}`
  );
}

/** `all traffic at once, held 5m` / `20% of capacity, the rest 5m later` / `2 instances more every 5m`. */
export function describeRouting(routing: BlueGreenRouting): string {
  const wait = formatDuration(routing.waitSeconds);
  if (routing.type === 'allAtOnce') return `all traffic at once, held ${wait}`;
  const size =
    routing.size.unit === 'capacityPercent'
      ? `${routing.size.value}% of capacity`
      : plural(routing.size.value, 'instance');
  return routing.type === 'canary' ? `${size}, the rest ${wait} later` : `${size} more every ${wait}`;
}

const HOOK_POINT_WORDS: Record<HookPoint, string> = {
  beforeStart: 'before the rollout starts',
  beforeStep: 'before each weight step',
  beforePromotion: 'before promotion',
  afterEnd: 'after the rollout ends',
  onRollback: 'on a rollback',
};

/** Where a hook runs, in words: `before each weight step`. */
export function describeHookPoint(point: HookPoint): string {
  return HOOK_POINT_WORDS[point];
}

/**
 * One hook in one line, e.g. `load-test: gate before each weight step; calls Lambda rollout-hook-load-test
 * (timeout 10s, 2 retries); 6 refusals or failed calls in a row: rollback`.
 */
export function describeHook(hook: HookPolicy): string {
  const where = joinWords(hook.at.map(describeHookPoint));
  const target =
    hook.target.type === 'lambda'
      ? `Lambda ${hook.target.functionName}`
      : `${hook.target.url} (${hook.target.secretParameter === undefined ? 'unsigned' : `signed with ${hook.target.secretParameter}`})`;
  const call = `calls ${target} (timeout ${formatDuration(hook.timeoutSeconds)}, ${hook.retries} ${hook.retries === 1 ? 'retry' : 'retries'})`;
  const outcome =
    hook.kind === 'gate'
      ? `${hook.failureLimit} ${hook.failureLimit === 1 ? 'refusal or failed call' : 'refusals or failed calls'} in a row: ${hook.onFailure}`
      : 'never holds the rollout';
  return `${hook.name}: ${hook.kind} ${where}; ${call}; ${outcome}`;
}

/** `a`, `a and b`, `a, b and c`. */
function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** `baseline retired 10m after promotion, canary removed at once on a rollback`. */
function describeLifecycle(lifecycle: LifecyclePolicy): string {
  const after = (seconds: number | null, what: string, event: string): string => {
    if (seconds === null) return `${what} never`;
    return seconds === 0
      ? `${what} at once on ${event}`
      : `${what} ${formatDuration(seconds)} after ${event}`;
  };
  return [
    after(lifecycle.retireBaselineAfterSeconds, 'baseline retired', 'promotion'),
    after(lifecycle.cleanUpAfterRollbackSeconds, 'canary removed', 'a rollback'),
  ].join(', ');
}
