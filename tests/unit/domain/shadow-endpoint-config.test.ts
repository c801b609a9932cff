import { describe, expect, it } from 'vitest';
import { startRollout } from '../../../shared/domain/index';
import { followUpChange, isDeployingCanary } from '../../../shared/domain/endpoint-change';
import { endpointConfigName, isWatchdogConfig } from '../../../shared/domain/endpoint-config-name';
import { deferShadowPass } from '../../../shared/domain/judge-shadow';
import {
  type ConfigPlan,
  type ConfigVariantSpec,
  planEndpointConfig,
} from '../../../shared/domain/plan-endpoint-config';
import type { Transition } from '../../../shared/domain/types';
import { at, type RawDraft, standardPolicy } from '../../fixtures/policies/policy-fixtures';

const shadowPolicy = (edit?: (raw: RawDraft) => void) =>
  standardPolicy((raw) => {
    raw.strategy.canary.shadow = { samplingPercent: 20, duration: '30m' };
    edit?.(raw);
  });

const variant = (
  variantName: string,
  modelName: string,
  initialWeight = 1,
  instanceType = 'ml.m5.xlarge',
  instanceCount = 2,
): ConfigVariantSpec => ({
  variantName,
  modelName,
  instanceType,
  instanceCount,
  initialWeight,
  other: { VolumeSizeInGB: 8 },
});

type Case = [
  string,
  Parameters<typeof planEndpointConfig>[1],
  ConfigVariantSpec[],
  ConfigVariantSpec[],
  Partial<ConfigPlan> | ((plan: ConfigPlan) => void),
];

describe('planEndpointConfig: the shadow kinds', () => {
  const policy = shadowPolicy();
  it.each<Case>([
    [
      'add-shadow: the baseline unchanged at all the traffic plus a shadow copying 20% of the requests',
      { kind: 'add-shadow', model: 'v2' },
      [variant('primary', 'v1', 3)],
      [],
      {
        kind: 'change',
        variants: [variant('primary', 'v1', 1)],
        shadowVariants: [{ ...variant('canary', 'v2', 0.2) }],
        added: [{ variantName: 'canary', modelName: 'v2', instanceType: 'ml.m5.xlarge', instanceCount: 2 }],
        released: [],
      },
    ],
    [
      'add-shadow: weighted against every production variant (a team variant keeps its weight)',
      { kind: 'add-shadow', model: 'v2' },
      [variant('primary', 'v1'), variant('team', 'x', 1)],
      [],
      (plan) => {
        expect(plan.kind).toBe('change');
        if (plan.kind !== 'change') return;
        // 20% of the production weight 2 (primary 1 + team 1): SageMaker copies 0.4 / 2.
        expect(plan.shadowVariants?.[0]?.initialWeight).toBeCloseTo(0.4);
        expect(plan.variants.map((v) => v.variantName)).toEqual(['primary', 'team']);
      },
    ],
    [
      'add-shadow: unchanged when the shadow already runs the model (a step run twice)',
      { kind: 'add-shadow', model: 'v2' },
      [variant('primary', 'v1')],
      [variant('canary', 'v2', 0.2)],
      { kind: 'unchanged' },
    ],
    [
      'add-shadow: refused while the canary variant is a production variant',
      { kind: 'add-shadow', model: 'v2' },
      [variant('primary', 'v1'), variant('canary', 'v1b', 0)],
      [],
      (plan) =>
        expect(plan).toMatchObject({
          kind: 'refused',
          problem: expect.stringMatching(/already serves model v1b as a production variant/),
        }),
    ],
    [
      'add-shadow: refused when another shadow runs (SageMaker allows one)',
      { kind: 'add-shadow', model: 'v2' },
      [variant('primary', 'v1')],
      [variant('their-shadow', 'x', 0.1)],
      (plan) =>
        expect(plan).toMatchObject({
          kind: 'refused',
          problem: expect.stringMatching(/already has a shadow variant \(their-shadow\)/),
        }),
    ],
    [
      'add-shadow: refused without a model',
      { kind: 'add-shadow' },
      [variant('primary', 'v1')],
      [],
      { kind: 'refused', problem: 'no model named for the shadow' },
    ],
    [
      'shadow-to-canary: the shadow becomes the canary production variant at 0, same model and instances, no shadow left',
      { kind: 'shadow-to-canary', model: 'v2' },
      [variant('primary', 'v1')],
      [variant('canary', 'v2', 0.2, 'ml.c5.large', 1)],
      {
        kind: 'change',
        variants: [variant('primary', 'v1', 1), variant('canary', 'v2', 0, 'ml.c5.large', 1)],
        added: [],
        released: [],
      },
    ],
    [
      'shadow-to-canary: unchanged when the canary already serves (the update landed before)',
      { kind: 'shadow-to-canary', model: 'v2' },
      [variant('primary', 'v1'), variant('canary', 'v2', 0)],
      [],
      { kind: 'unchanged' },
    ],
    [
      'shadow-to-canary: refused without a shadow to promote',
      { kind: 'shadow-to-canary', model: 'v2' },
      [variant('primary', 'v1')],
      [],
      (plan) => expect(plan.kind).toBe('refused'),
    ],
    [
      'remove-shadow: the baseline alone at all the traffic, the shadow’s instances released',
      { kind: 'remove-shadow' },
      [variant('primary', 'v1', 1)],
      [variant('canary', 'v2', 0.2)],
      {
        kind: 'change',
        variants: [variant('primary', 'v1', 1)],
        added: [],
        released: [
          { variantName: 'canary', modelName: 'v2', instanceType: 'ml.m5.xlarge', instanceCount: 2 },
        ],
      },
    ],
    [
      'remove-shadow: unchanged when no shadow is left',
      { kind: 'remove-shadow' },
      [variant('primary', 'v1')],
      [],
      { kind: 'unchanged' },
    ],
    [
      'remove-shadow: removes the canary when the shadow had already become it',
      { kind: 'remove-shadow' },
      [variant('primary', 'v1'), variant('canary', 'v2', 0)],
      [],
      (plan) => expect(plan).toMatchObject({ kind: 'change', variants: [variant('primary', 'v1', 1)] }),
    ],
    [
      'remove-canary: takes a shadow of the canary’s name away too (a rollout ended mid-way)',
      { kind: 'remove-canary' },
      [variant('primary', 'v1')],
      [variant('canary', 'v2', 0.2)],
      (plan) =>
        expect(plan).toMatchObject({
          kind: 'change',
          variants: [variant('primary', 'v1', 1)],
          released: [expect.objectContaining({ variantName: 'canary' })],
        }),
    ],
    [
      'add-canary: keeps a team’s own shadow variant as it is',
      { kind: 'add-canary', model: 'v2' },
      [variant('primary', 'v1')],
      [variant('their-shadow', 'x', 0.1)],
      (plan) =>
        expect(plan).toMatchObject({ kind: 'change', shadowVariants: [variant('their-shadow', 'x', 0.1)] }),
    ],
  ])('%s', (_name, change, current, currentShadow, expected) => {
    const plan = planEndpointConfig(policy, change, current, {}, currentShadow);
    if (typeof expected === 'function') expected(plan);
    else expect(plan).toMatchObject(expected);
  });

  it('sizes the shadow from lifecycle.canary when the policy sets it', () => {
    const sized = shadowPolicy((raw) => {
      raw.lifecycle = { canary: { instanceType: 'ml.c5.large', instanceCount: 1 } };
    });
    const plan = planEndpointConfig(sized, { kind: 'add-shadow', model: 'v2' }, [variant('primary', 'v1')]);
    expect(plan).toMatchObject({ shadowVariants: [{ instanceType: 'ml.c5.large', instanceCount: 1 }] });
  });
});

describe('the shadow kinds of endpoint changes', () => {
  it('names the shadow config -shadow, and the configs the watchdog may delete include it', () => {
    const name = endpointConfigName('fraud-detector-prod', 'r1', 'add-shadow', 1);
    expect(name).toMatch(/^fraud-detector-prod-rw[0-9a-f]{8}-shadow$/);
    expect(isWatchdogConfig(name)).toBe(true);
    expect(endpointConfigName('fraud-detector-prod', 'r1', 'shadow-to-canary', 2)).toMatch(/-canary-2$/);
    expect(endpointConfigName('fraud-detector-prod', 'r1', 'remove-shadow', 1)).toMatch(/-baseline$/);
  });

  it.each([
    ['add-shadow', 'waiting', true],
    ['add-shadow', 'updating', true],
    ['add-shadow', 'done', false],
    ['shadow-to-canary', 'failed', true],
    ['remove-shadow', 'waiting', false],
  ] as const)('a %s change %s: the rollout is deploying its canary = %s', (kind, status, deploying) => {
    expect(isDeployingCanary({ kind, status, dueAt: 0, since: 0, attempt: 1 })).toBe(deploying);
  });

  it.each(['RolledBack', 'Aborted'] as const)(
    'a rollout that ended %s during its shadow removes the shadow at once',
    (phase) => {
      const policy = shadowPolicy();
      const state = startRollout(policy, at(0)).state;
      expect(followUpChange(policy, phase, at(3), state)).toEqual({
        kind: 'remove-shadow',
        status: 'waiting',
        dueAt: at(3),
        since: at(3),
        attempt: 1,
      });
      // After the shadow passed (shadow cleared) the canary's own clean-up applies.
      expect(followUpChange(policy, phase, at(3), { ...state, shadow: null })?.kind).toBe('remove-canary');
      expect(
        followUpChange(policy, phase, at(3), {
          shadow: { startedAt: at(0), until: at(1), canaryFrom: at(2) },
        })?.kind,
      ).toBe('remove-canary');
    },
  );

  it('defers a shadow that passed: the canary stays at 0% until its variant is deployed', () => {
    const policy = shadowPolicy();
    const before = startRollout(policy, at(0)).state;
    const shadowPassed = {
      kind: 'shadow-passed' as const,
      notes: [],
      samplingPercent: 20,
      durationSeconds: 1800,
      toWeight: 5,
      next: { kind: 'promotion' as const },
    };
    const passed: Transition = {
      state: { ...before, shadow: { ...before.shadow!, canaryFrom: at(30) }, canaryWeight: 5, stepIndex: 1 },
      decision: {
        action: 'advance',
        cause: shadowPassed,
        reason: '',
        evidence: startRollout(policy, at(0)).decision.evidence,
      },
    };
    const deferred = deferShadowPass(before, passed, at(30))!;
    expect(deferred.state).toMatchObject({
      canaryWeight: 0,
      shadow: { passedAt: at(30) },
      phase: 'Progressing',
    });
    expect(deferred.state.shadow?.canaryFrom).toBeUndefined();
    expect(deferred.decision.reason).toMatch(
      /its model is deployed as the canary variant first \(at 0%\), then canary 0% -> 5%/,
    );
    // Anything that did not leave the shadow is not deferred.
    expect(
      deferShadowPass(
        before,
        { state: before, decision: { ...passed.decision, cause: { kind: 'failing', notes: [] } } },
        at(30),
      ),
    ).toBeNull();
  });

  it('defers a shadow let go by a gate the same way (the pass inside the gate’s decision)', () => {
    const policy = shadowPolicy();
    const before = startRollout(policy, at(0)).state;
    const gated: Transition = {
      state: { ...before, shadow: { ...before.shadow!, canaryFrom: at(31) }, canaryWeight: 5, stepIndex: 1 },
      decision: {
        action: 'advance',
        cause: {
          kind: 'gate-passed',
          point: 'beforeStart',
          hooks: ['load-test'],
          failures: 1,
          then: {
            kind: 'shadow-passed',
            notes: [],
            samplingPercent: 20,
            durationSeconds: 1800,
            toWeight: 5,
            next: { kind: 'promotion' },
          },
        },
        reason: '',
        evidence: startRollout(policy, at(0)).decision.evidence,
      },
    };
    const deferred = deferShadowPass(before, gated, at(31))!;
    expect(deferred.state).toMatchObject({ canaryWeight: 0, shadow: { passedAt: at(31) } });
    expect(deferred.decision.cause).toMatchObject({ kind: 'gate-passed', then: { deployFirst: true } });
  });
});
