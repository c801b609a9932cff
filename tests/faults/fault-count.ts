/**
 * The fault points the suite injected, by area. A point counts only when its step was reached and
 * its fault played (a case whose step never came would test nothing, and fails).
 */
export type FaultArea = 'alarm path' | 'tick' | 'commands' | 'slack';

/** Issue 9: the suite injects at least this many fault points. */
export const MIN_FAULT_POINTS = 50;

const counts: Record<FaultArea, number> = { 'alarm path': 0, tick: 0, commands: 0, slack: 0 };

export function countFaultPoint(area: FaultArea): void {
  counts[area] += 1;
}

export function faultPointTotal(): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** `fault points injected: N (alarm path A, tick T, commands C, slack S)` */
export function faultPointSummary(): string {
  const parts = (Object.keys(counts) as FaultArea[]).map((area) => `${area} ${counts[area]}`);
  return `fault points injected: ${faultPointTotal()} (${parts.join(', ')})`;
}
