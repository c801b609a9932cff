import { describe, expect, it } from 'vitest';
import { renderStatus } from '../../../shared/cli-client/render-rollout';
import type { RolloutStatus } from '../../../shared/control/control-contract';

const EP = 'fraud-prod';

/** A blue/green rollout as `GET /rollouts/{endpoint}` shows it, SageMaker rolling back on the verdict. */
function status(): RolloutStatus {
  return {
    endpointName: EP,
    region: 'us-east-1',
    rolloutId: 'r-1',
    phase: 'Progressing',
    stepIndex: 0,
    stepCount: 0,
    step: null,
    baselineVariant: 'primary',
    canaryVariant: 'canary',
    weights: { primary: 80, canary: 20 },
    appliedWeights: { primary: 80, canary: 20 },
    pendingWeights: false,
    pauseCause: null,
    message: '',
    startedAt: '2026-03-01T10:00:00.000Z',
    stepStartedAt: '2026-03-01T10:00:00.000Z',
    createdAt: '2026-03-01T10:00:00.000Z',
    updatedAt: '2026-03-01T10:00:00.000Z',
    version: 4,
    lastDecision: null,
    endpoint: { status: 'Updating', weights: { primary: 100 }, desiredWeights: { primary: 100 } },
    blueGreen: {
      phase: 'shifting',
      description: `traffic shifting: the new fleet (config ${EP}-rw0a1b2c3d-bluegreen) takes 20% of the traffic`,
      since: '2026-03-01T10:01:00.000Z',
      model: 'fraud-v2',
      greenShare: 20,
      newConfig: `${EP}-rw0a1b2c3d-bluegreen`,
      oldConfig: `${EP}-initial`,
      alarms: [`${EP}-5xx`, `rollout-watchdog-verdict-${EP}`],
      verdictAlarm: `rollout-watchdog-verdict-${EP}`,
      verdict: 'failing',
      rollbackRequested: {
        at: '2026-03-01T10:03:00.000Z',
        by: 'judgement',
        reason: 'p99-latency p99 366 ms vs baseline 180 ms',
      },
    },
  };
}

describe('status of a blue/green rollout', () => {
  it("names SageMaker's deployment where a canary's step would be (a blue/green policy has no steps)", () => {
    const firstLine = renderStatus(status()).split('\n')[0];
    expect(firstLine).toBe(`${EP} (us-east-1)  Progressing  SageMaker's blue/green deployment`);
  });

  it('shows the phase, the green share, both configs, the rollback alarms and the verdict', () => {
    const text = renderStatus(status());
    expect(text).toContain(
      `  blue/grn  traffic shifting: the new fleet (config ${EP}-rw0a1b2c3d-bluegreen) takes 20% of the traffic`,
    );
    expect(text).toContain(
      `new config ${EP}-rw0a1b2c3d-bluegreen (model fraud-v2), old config ${EP}-initial`,
    );
    expect(text).toContain(
      `SageMaker rolls back on ${EP}-5xx, rollout-watchdog-verdict-${EP}; verdict failing (rollback asked by judgement: p99-latency p99 366 ms vs baseline 180 ms)`,
    );
  });
});
