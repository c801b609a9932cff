import type { RolloutPolicy } from '../domain/types';
import { describePause } from './describe-step';
import { formatDuration } from './format-values';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * One line summarising the plan, for `validate` and notifications, e.g.
 * `demo-endpoint (us-east-1): primary -> canary 5% > pause 10m > 20% > pause until resumed > promote; 2 metrics; 1 alarm`.
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
  return parts.join('; ');
}
