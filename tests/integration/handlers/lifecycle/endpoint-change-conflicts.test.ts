import { DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followUpChange } from '../../../../shared/domain/endpoint-change';
import { startRollout } from '../../../../shared/domain/index';
import type { RolloutRecord } from '../../../../shared/ports/rollout-repository';
import { clientCache, watchdogDeps } from '../../../../shared/runtime/composition-root';
import { readEnv } from '../../../../shared/runtime/env';
import { advanceEndpointChange } from '../../../../shared/watchdog/advance-endpoint-change';
import type { WatchdogDeps } from '../../../../shared/watchdog/watchdog-deps';
import { createEndpoint, type Harness, MINUTE, parseOrThrow, startHarness } from '../tick/watchdog-harness';

/**
 * The endpoint change against other writers: an alarm's receipt or an operator can change a
 * finished rollout between the change's read and its write. The step SageMaker took must never
 * be lost to that conflict: the write is re-applied on a fresh read, and what the change costs
 * is still announced.
 */

const SUITE = 'lcconflict';
let h: Harness;
let deps: WatchdogDeps;

const policyText = (endpointName: string) => `apiVersion: rollout-watchdog/v1
endpoint: { name: ${endpointName}, region: us-east-1, baselineVariant: primary, canaryVariant: canary }
strategy:
  canary:
    steps:
      - setWeight: 20
analysis:
  metrics:
    - { name: error-rate, type: errorRate, threshold: 0.05 }
lifecycle:
  cleanUpAfterRollback: { after: 0s }
`;

/** A rolled-back rollout of `endpointName` whose canary clean-up is due now. */
async function rolledBack(endpointName: string): Promise<RolloutRecord> {
  await createEndpoint(h, endpointName);
  const policy = parseOrThrow(policyText(endpointName));
  const now = h.clock.now();
  const state = { ...startRollout(policy, now).state, phase: 'RolledBack' as const, canaryWeight: 0 };
  const created = await h.store.create(
    {
      endpointName,
      region: 'us-east-1',
      policyText: policyText(endpointName),
      policy,
      state,
      appliedCanaryWeight: 0,
    },
    now,
  );
  const change = followUpChange(policy, 'RolledBack', now);
  return h.store.save({ ...created, ...(change ? { endpointChange: change } : {}) }, created.version);
}

/** `deps` whose store lets another writer bump the rollout right before the change's first write. */
function racedBy(other: (record: RolloutRecord) => Promise<void>): WatchdogDeps {
  let raced = false;
  return {
    ...deps,
    store: new Proxy(deps.store, {
      get(target, key) {
        if (key !== 'save') return Reflect.get(target, key) as unknown;
        return async (record: RolloutRecord, expectedVersion: number) => {
          if (!raced && record.endpointChange?.status === 'updating') {
            raced = true;
            await other(record);
          }
          return target.save(record, expectedVersion);
        };
      },
    }),
  };
}

beforeAll(async () => {
  h = await startHarness(SUITE);
  h.applyEnv();
  const env = readEnv();
  deps = watchdogDeps(env, clientCache(env));
});

afterAll(async () => {
  await h?.close();
});

describe('an endpoint change racing another writer', () => {
  it('re-applies its intent on a fresh read, sends the update once, and announces what it releases', async () => {
    const endpointName = `${SUITE}-receipt`;
    const before = await rolledBack(endpointName);
    // An alarm event's receipt lands on the finished rollout between the change's read and write.
    const raced = racedBy(async () => {
      const fresh = (await h.store.get(endpointName)) as RolloutRecord;
      await h.store.save(
        { ...fresh, receipts: { 'alarm#late': new Date(h.clock.now()).toISOString() } },
        fresh.version,
      );
    });
    const ctx = { now: h.clock.now(), correlationId: 'race-1', source: 'tick' as const };
    const stepped = await advanceEndpointChange(raced, before, ctx);
    expect(stepped.kind).toBe('progressed');
    const after = (await h.store.get(endpointName)) as RolloutRecord;
    expect(after.receipts).toHaveProperty(['alarm#late']);
    expect(after.endpointChange).toMatchObject({ kind: 'remove-canary', status: 'updating', sent: true });
    expect(after.endpointChange?.released).toEqual([
      {
        variantName: 'canary',
        modelName: `${endpointName}-model`,
        instanceType: 'ml.m5.large',
        instanceCount: 1,
      },
    ]);
    const described = await h.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
    expect(described.EndpointStatus).toBe('Updating');

    await h.clock.advance(MINUTE);
    const done = await advanceEndpointChange(deps, after, {
      ...ctx,
      now: h.clock.now(),
      correlationId: 'race-2',
    });
    expect(done.kind).toBe('progressed');
    const history = await h.store.history(endpointName);
    const reasons = history.filter((e) => e.kind === 'endpoint').map((e) => e.reason);
    expect(reasons.some((r) => r.startsWith('Removing the rolled-back canary'))).toBe(true);
    expect(reasons.find((r) => r.startsWith('Canary removed'))).toMatch(
      /releases 1 × ml\.m5\.large \(canary/,
    );
  });

  it('resends an update whose intent is written but whose call never reached SageMaker', async () => {
    const endpointName = `${SUITE}-unsent`;
    const before = await rolledBack(endpointName);
    const throttle = h.sandbox.faults.throttle({ service: 'sagemaker', operation: 'UpdateEndpoint' });
    const ctx = { now: h.clock.now(), correlationId: 'unsent-1', source: 'tick' as const };
    const first = await advanceEndpointChange(deps, before, ctx);
    expect(first.kind).toBe('progressed');
    const intent = (await h.store.get(endpointName)) as RolloutRecord;
    expect(intent.endpointChange).toMatchObject({ status: 'updating' });
    expect(intent.endpointChange?.sent).toBeUndefined();
    h.sandbox.faults.removeRule(throttle);

    // Still on its old config with no failure: not an update SageMaker undid, one it never got.
    const second = await advanceEndpointChange(deps, intent, { ...ctx, correlationId: 'unsent-2' });
    expect(second.kind).toBe('progressed');
    expect((await h.store.get(endpointName))?.endpointChange).toMatchObject({
      status: 'updating',
      sent: true,
    });
    await h.clock.advance(MINUTE);
    const latest = (await h.store.get(endpointName)) as RolloutRecord;
    await advanceEndpointChange(deps, latest, { ...ctx, now: h.clock.now(), correlationId: 'unsent-3' });
    expect((await h.store.get(endpointName))?.endpointChange?.status).toBe('done');
  });
});
