import { lifecycleOf } from '../domain/endpoint-change';
import type { LifecyclePolicy, RolloutPolicy } from '../domain/types';
import { describePause } from './describe-step';
import { formatDuration } from './format-values';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * One line summarising the plan, for `validate` and notifications, e.g.
 * `demo-endpoint (us-east-1): primary -> canary 5% > pause 10m > 20% > pause until resumed > promote; 2 metrics; 1 alarm;
 * baseline retired 10m after promotion, canary removed 30m after a rollback`.
 */
export function describePolicy(policy: RolloutPolicy): string {
  const steps = policy.steps.map((step) =>
    step.kind === 'setWeight' ? `${step.weight}%` : describePause(step.durationSeconds),
  );
  const { name, region, baselineVariant, canaryVariant } = policy.endpoint;
  const parts = [
    `${name} (${region}): ${baselineVariant} -> ${canaryVariant} ${[...steps, 'promote'].join(' > ')}`,
    `judged every ${formatDuration(policy.analysis.intervalSeconds)} over ${formatDuration(policy.analysis.windowSeconds)}`,
    plural(policy.analysis.metrics.length, 'metric'),
    plural(policy.rollback.onAlarms.length, 'alarm'),
  ];
  if (policy.regions.length > 0) parts.push(`then ${plural(policy.regions.length, 'region')}`);
  parts.push(describeLifecycle(lifecycleOf(policy)));
  return parts.join('; ');
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
