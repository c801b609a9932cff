import type { Phase } from './types';

/** True for the phases no input or command ever leaves: `Promoted`, `RolledBack`, `Aborted`. */
export function isFinal(phase: Phase): boolean {
  return phase === 'Promoted' || phase === 'RolledBack' || phase === 'Aborted';
}
