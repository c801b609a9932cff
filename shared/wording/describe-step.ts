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
