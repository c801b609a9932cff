import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyCommand, needsTick, parsePolicy, startRollout } from '../../../shared/domain/index';
import {
  DEFAULT_CLEAN_UP_AFTER_ROLLBACK_SECONDS,
  DEFAULT_RETIRE_BASELINE_AFTER_SECONDS,
} from '../../../shared/domain/defaults';
import { followUpChange, lifecycleOf, retryChange } from '../../../shared/domain/endpoint-change';
import { endpointConfigName, isWatchdogConfig } from '../../../shared/domain/endpoint-config-name';
import { type ConfigVariantSpec, planEndpointConfig } from '../../../shared/domain/plan-endpoint-config';
import type { Phase, RolloutPolicy } from '../../../shared/domain/types';
import {
  at,
  type RawDraft,
  rawStandardPolicy,
  standardPolicy,
} from '../../fixtures/policies/policy-fixtures';

const problemsOf = (lifecycle: unknown): string[] => {
  const raw: RawDraft = rawStandardPolicy();
  raw.lifecycle = lifecycle;
  const result = parsePolicy(raw);
  return result.ok ? [] : result.problems;
};

const policyWith = (lifecycle: unknown): RolloutPolicy =>
  standardPolicy((raw) => {
    raw.lifecycle = lifecycle;
  });

const variant = (
  variantName: string,
  modelName: string,
  instanceType = 'ml.m5.xlarge',
  instanceCount = 2,
  initialWeight = 1,
): ConfigVariantSpec => ({
  variantName,
  modelName,
  instanceType,
  instanceCount,
  initialWeight,
  other: { VolumeSizeInGB: 30 },
});

describe('the policy lifecycle section', () => {
  it('defaults to retiring the baseline after 10 minutes and cleaning up 30 minutes after a rollback', () => {
    const policy = standardPolicy();
    expect(policy.lifecycle).toEqual({
      canary: {},
      retireBaselineAfterSeconds: DEFAULT_RETIRE_BASELINE_AFTER_SECONDS,
      cleanUpAfterRollbackSeconds: DEFAULT_CLEAN_UP_AFTER_ROLLBACK_SECONDS,
    });
    expect(DEFAULT_RETIRE_BASELINE_AFTER_SECONDS).toBe(600);
    expect(DEFAULT_CLEAN_UP_AFTER_ROLLBACK_SECONDS).toBe(1800);
  });

  it.each([
    ['0s', 0],
    ['90s', 90],
    ['10m', 600],
    ['1h', 3600],
    ['never', null],
  ])('reads a delay of %s as %s seconds', (after, seconds) => {
    const policy = policyWith({ retireBaseline: { after }, cleanUpAfterRollback: { after } });
    expect(policy.lifecycle?.retireBaselineAfterSeconds).toBe(seconds);
    expect(policy.lifecycle?.cleanUpAfterRollbackSeconds).toBe(seconds);
  });

  it('refuses every malformed field at once, by path', () => {
    expect(
      problemsOf({
        canary: { instanceType: 'm5.large', instanceCount: 0 },
        retireBaseline: { after: 'soon' },
        cleanUpAfterRollback: { after: '-1m' },
        scaleDown: true,
      }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^lifecycle\.canary\.instanceType: must be a SageMaker instance type/),
        expect.stringMatching(/^lifecycle\.canary\.instanceCount: must be between 1 and 100/),
        expect.stringMatching(/^lifecycle\.retireBaseline\.after: must be a duration .* or never/),
        expect.stringMatching(/^lifecycle\.cleanUpAfterRollback\.after: must be a duration/),
        expect.stringMatching(/^lifecycle.*scaleDown/),
      ]),
    );
  });

  it('gives a policy stored before the section existed the defaults', () => {
    const { lifecycle: _dropped, ...old } = standardPolicy();
    expect(lifecycleOf(old)).toEqual(standardPolicy().lifecycle);
  });
});

describe('followUpChange', () => {
  const policy = policyWith({ retireBaseline: { after: '5m' }, cleanUpAfterRollback: { after: '1m' } });

  it.each<[Phase, string | null, number | null]>([
    ['Promoted', 'retire-baseline', 5],
    ['RolledBack', 'remove-canary', 1],
    ['Aborted', 'remove-canary', 1],
    ['Progressing', null, null],
    ['Paused', null, null],
  ])('after %s owes %s, due in %s minutes', (phase, kind, minutes) => {
    const change = followUpChange(policy, phase, at(10));
    if (kind === null) return expect(change).toBeNull();
    expect(change).toEqual({
      kind,
      status: 'waiting',
      dueAt: at(10 + (minutes ?? 0)),
      since: at(10),
      attempt: 1,
    });
  });

  it('owes nothing when the policy says never', () => {
    const never = policyWith({
      retireBaseline: { after: 'never' },
      cleanUpAfterRollback: { after: 'never' },
    });
    expect(followUpChange(never, 'Promoted', at(0))).toBeNull();
    expect(followUpChange(never, 'RolledBack', at(0))).toBeNull();
  });

  it('keeps a finished rollout on the tick list while its change waits or runs, and lets it go once done or failed', () => {
    const state = { phase: 'Promoted' as const, canaryWeight: 100 };
    const change = followUpChange(policy, 'Promoted', at(0));
    if (!change) throw new Error('expected a change');
    expect(needsTick({ state, appliedCanaryWeight: 100, endpointChange: change })).toBe(true);
    expect(
      needsTick({ state, appliedCanaryWeight: 100, endpointChange: { ...change, status: 'updating' } }),
    ).toBe(true);
    expect(
      needsTick({ state, appliedCanaryWeight: 100, endpointChange: { ...change, status: 'done' } }),
    ).toBe(false);
    expect(
      needsTick({ state, appliedCanaryWeight: 100, endpointChange: { ...change, status: 'failed' } }),
    ).toBe(false);
  });

  it('retries a failed change as the next attempt, due now, with nothing of the failed try', () => {
    const retried = retryChange(
      {
        kind: 'add-canary',
        status: 'failed',
        dueAt: at(0),
        since: at(3),
        attempt: 1,
        model: 'v2',
        targetConfig: 'x-rw00000000-canary',
        previousConfig: 'x-initial',
        failure: 'capacity',
      },
      at(9),
    );
    expect(retried).toEqual({
      kind: 'add-canary',
      status: 'waiting',
      dueAt: at(9),
      since: at(9),
      attempt: 2,
      model: 'v2',
    });
  });
});

describe('planEndpointConfig', () => {
  const policy = policyWith({ canary: { instanceType: 'ml.m5.large', instanceCount: 1 } });

  it('adds the canary at weight 0 beside the unchanged baseline, on the policy’s instances', () => {
    const plan = planEndpointConfig(policy, { kind: 'add-canary', model: 'v2' }, [variant('primary', 'v1')]);
    expect(plan).toEqual({
      kind: 'change',
      variants: [variant('primary', 'v1'), { ...variant('canary', 'v2', 'ml.m5.large', 1, 0) }],
      added: [{ variantName: 'canary', modelName: 'v2', instanceType: 'ml.m5.large', instanceCount: 1 }],
      released: [],
    });
  });

  it('sizes the canary like the baseline when the policy does not say', () => {
    const plan = planEndpointConfig(standardPolicy(), { kind: 'add-canary', model: 'v2' }, [
      variant('primary', 'v1'),
    ]);
    expect(plan.kind === 'change' && plan.variants[1]).toMatchObject({
      instanceType: 'ml.m5.xlarge',
      instanceCount: 2,
    });
  });

  it('changes nothing when the canary variant already runs the model, and refuses another model there', () => {
    const current = [variant('primary', 'v1'), variant('canary', 'v2', 'ml.m5.large', 1, 0)];
    expect(planEndpointConfig(policy, { kind: 'add-canary', model: 'v2' }, current).kind).toBe('unchanged');
    expect(planEndpointConfig(policy, { kind: 'add-canary', model: 'v3' }, current)).toEqual({
      kind: 'refused',
      problem: 'variant canary already runs model v2, not v3',
    });
  });

  it('retires the baseline: the promoted model alone under the baseline’s name, on the instances the canary runs now', () => {
    const current = [variant('primary', 'v1'), variant('canary', 'v2', 'ml.m5.large', 1, 0)];
    const plan = planEndpointConfig(policy, { kind: 'retire-baseline' }, current, { canary: 3 });
    expect(plan).toEqual({
      kind: 'change',
      variants: [{ ...variant('primary', 'v2', 'ml.m5.large', 3, 1) }],
      added: [{ variantName: 'primary', modelName: 'v2', instanceType: 'ml.m5.large', instanceCount: 3 }],
      released: [
        { variantName: 'primary', modelName: 'v1', instanceType: 'ml.m5.xlarge', instanceCount: 2 },
        { variantName: 'canary', modelName: 'v2', instanceType: 'ml.m5.large', instanceCount: 3 },
      ],
    });
  });

  it('removes the canary after a rollback, keeping the baseline at all the traffic', () => {
    const current = [
      variant('primary', 'v1', 'ml.m5.xlarge', 2, 0.8),
      variant('canary', 'v3', 'ml.m5.large', 1, 0.2),
    ];
    const plan = planEndpointConfig(policy, { kind: 'remove-canary' }, current);
    expect(plan).toMatchObject({
      kind: 'change',
      variants: [variant('primary', 'v1')],
      released: [{ variantName: 'canary', modelName: 'v3', instanceType: 'ml.m5.large', instanceCount: 1 }],
    });
  });

  it('keeps variants the policy does not name, and changes nothing that is already done', () => {
    const shadow = variant('shadow', 'v0', 'ml.m5.large', 1, 0);
    const plan = planEndpointConfig(policy, { kind: 'remove-canary' }, [
      variant('primary', 'v1'),
      variant('canary', 'v3'),
      shadow,
    ]);
    expect(plan.kind === 'change' && plan.variants.map((v) => v.variantName)).toEqual(['primary', 'shadow']);
    expect(planEndpointConfig(policy, { kind: 'remove-canary' }, [variant('primary', 'v1')]).kind).toBe(
      'unchanged',
    );
    expect(planEndpointConfig(policy, { kind: 'retire-baseline' }, [variant('primary', 'v2')]).kind).toBe(
      'unchanged',
    );
  });

  it('refuses to deploy a canary beside no baseline', () => {
    expect(
      planEndpointConfig(policy, { kind: 'add-canary', model: 'v2' }, [variant('other', 'v1')]).kind,
    ).toBe('refused');
  });
});

describe('endpointConfigName', () => {
  it('names configs after the endpoint, the rollout, the purpose and the attempt', () => {
    expect(endpointConfigName('fraud-prod', 'fraud-prod@2026#a', 'retire-baseline', 1)).toMatch(
      /^fraud-prod-rw[0-9a-f]{8}-promoted$/,
    );
    expect(endpointConfigName('fraud-prod', 'fraud-prod@2026#a', 'add-canary', 2)).toMatch(/-canary-2$/);
    expect(endpointConfigName('fraud-prod', 'r1', 'remove-canary', 1)).toBe(
      endpointConfigName('fraud-prod', 'r1', 'remove-canary', 1),
    );
    expect(endpointConfigName('fraud-prod', 'r1', 'remove-canary', 1)).not.toBe(
      endpointConfigName('fraud-prod', 'r2', 'remove-canary', 1),
    );
  });

  it('always gives a valid SageMaker name of at most 63 characters that it recognises as its own', () => {
    const name = fc.stringMatching(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
    fc.assert(
      fc.property(
        name,
        fc.string(),
        fc.constantFrom('add-canary', 'retire-baseline', 'remove-canary'),
        fc.integer({ min: 1, max: 99 }),
        (endpoint, id, kind, attempt) => {
          const config = endpointConfigName(endpoint, id, kind as 'add-canary', attempt);
          expect(config.length).toBeLessThanOrEqual(63);
          expect(config).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/);
          expect(isWatchdogConfig(config)).toBe(true);
        },
      ),
    );
  });

  it('never claims a team’s own config', () => {
    expect(isWatchdogConfig('fraud-prod-config')).toBe(false);
    expect(isWatchdogConfig('fraud-prod-2026-01-01')).toBe(false);
    expect(isWatchdogConfig('fraud-prod-canary')).toBe(false);
  });
});

describe('rollback of a promoted rollout', () => {
  const policy = standardPolicy();
  const promoted = { ...startRollout(policy, at(0)).state, phase: 'Promoted' as const, canaryWeight: 100 };

  it('restores the baseline while it is held back, and is refused otherwise', () => {
    const held = applyCommand(policy, promoted, { type: 'rollback', reason: 'errors' }, at(5), 'alice', {
      baselineHeld: true,
    });
    expect(held.ok && held.transition.state).toMatchObject({ phase: 'RolledBack', canaryWeight: 0 });
    const gone = applyCommand(policy, promoted, { type: 'rollback', reason: 'errors' }, at(5), 'alice');
    expect(gone.ok).toBe(false);
    const other = applyCommand(policy, promoted, { type: 'pause' }, at(5), 'alice', { baselineHeld: true });
    expect(other.ok).toBe(false);
  });
});
