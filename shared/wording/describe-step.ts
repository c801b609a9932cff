import type { Step } from '../domain/types';
import { formatDuration } from './format-values';

/**
 * A pause step in words: `pause 10m`, or `pause until resumed` for a pause without duration (the
 * one spelling of a manual gate, in reasons, the CLI, `validate` and notifications alike).
 */
export function describePause(durationSeconds: number | null): string {
  return durationSeconds === null ? 'pause until resumed' : `pause ${formatDuration(durationSeconds)}`;
}

/** A step in words (`setWeight 20%`, `pause 10m`, `pause until resumed`); null past the last step. */
export function describeStep(step: Step | undefined): string | null {
  if (!step) return null;
  return step.kind === 'setWeight' ? `setWeight ${step.weight}%` : describePause(step.durationSeconds);
}

/** `step 2/6 (pause 10m)`, or `after step 6/6` once past the last: where a rollout is, for reasons. */
export function describeStepPosition(steps: ReadonlyArray<Step>, stepIndex: number): string {
  const total = steps.length;
  const what = describeStep(steps[stepIndex]);
  return what === null ? `after step ${total}/${total}` : `step ${stepIndex + 1}/${total} (${what})`;
}
