import { describe, expect, it } from 'vitest';
import { renderStatus } from '../../../shared/cli-client/render-rollout';
import type { RolloutStatus } from '../../../shared/control/control-contract';
import { gateView, summarize } from '../../../shared/control/control-views';
import { startRollout } from '../../../shared/domain/index';
import type { GateState } from '../../../shared/domain/types';
import { at, standardPolicy } from '../../fixtures/policies/policy-fixtures';

const gate: GateState = {
  point: 'beforeStep',
  hooks: ['load-test'],
  since: at(10),
  failures: 2,
  reason: 'load test at 3x traffic still running',
  failureLimit: 6,
  onFailure: 'rollback',
  nextWeight: 20,
};

describe('status of a rollout held at a gate', () => {
  const policy = standardPolicy();
  const state = { ...startRollout(policy, at(0)).state, gate };
  const record = {
    endpointName: policy.endpoint.name,
    region: 'us-east-1',
    rolloutId: 'r-1',
    policyText: '',
    policy,
    state,
    appliedCanaryWeight: 5,
    version: 7,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:12:00.000Z',
  };

  it('shows the gate in the API view: its hooks, reason, count and what happens next', () => {
    expect(summarize(record).gate).toEqual({
      point: 'beforeStep',
      hooks: ['load-test'],
      since: '2026-01-01T00:10:00.000Z',
      failures: 2,
      failureLimit: 6,
      onFailure: 'rollback',
      nextWeight: 20,
      reason: 'load test at 3x traffic still running',
      description:
        'Waits at gate load-test (2 of 6 failures) before 20%; asked again next minute. Reason: load test at 3x traffic still running. At 6 failures in a row it is rolled back; a failing canary is still rolled back.',
    });
  });

  it('prints it on a gate line of `status`', () => {
    const status: RolloutStatus = {
      ...summarize(record),
      lastDecision: null,
      endpoint: {
        status: 'InService',
        weights: { primary: 95, canary: 5 },
        desiredWeights: { primary: 95, canary: 5 },
      },
    };
    expect(renderStatus(status)).toContain(`  gate      ${gateView(gate).description}`);
  });

  it('shows no gate once the rollout is final', () => {
    expect(
      summarize({ ...record, state: { ...state, phase: 'RolledBack', canaryWeight: 0 } }).gate,
    ).toBeUndefined();
  });
});
