import { describe, expect, it } from 'vitest';
import { standardPolicy } from '../../fixtures/policies/policy-fixtures';
import type { MetricsReader } from '../../../shared/ports/metrics-reader';
import {
  PromotedIdentityError,
  type EndpointState,
  type RegionModels,
} from '../../../shared/ports/region-models';
import type { RegionSyncChange } from '../../../shared/ports/region-sync-repository';
import { runLadderCommand } from '../../../shared/watchdog/region-sync-commands';
import { readPromotedIdentity } from '../../../shared/watchdog/region-sync-identity';
import { runLadder } from '../../../shared/watchdog/region-sync-ladder';
import type { RegionSyncItem } from '../../../shared/watchdog/region-sync-types';
import { regionCopyName } from '../../../shared/watchdog/region-sync-worker';

const NOW = Date.parse('2026-03-01T10:00:00Z');
const KEY = 'abc123def0';
const COPY = regionCopyName('fraud', KEY);
const REGIONS = ['us-west-2', 'eu-west-1', 'ap-southeast-2'];

function item(region: string, order: number, overrides: Partial<RegionSyncItem> = {}): RegionSyncItem {
  return {
    endpointName: 'fraud',
    region,
    targetEndpointName: `fraud-${order}`,
    status: 'pending',
    attempts: 0,
    lastError: null,
    identity: {
      sourceRegion: 'us-east-1',
      sourceEndpointName: 'fraud',
      endpointConfigName: 'fraud-config',
      variantName: 'canary',
      modelName: 'fraud-v2',
      instanceType: 'ml.m5.large',
      initialInstanceCount: 1,
      image: 'img',
      modelDataUrl: null,
      executionRoleArn: null,
      key: KEY,
    },
    promotedAt: '2026-03-01T09:59:00Z',
    createdAt: '2026-03-01T09:59:00Z',
    updatedAt: '2026-03-01T09:59:00Z',
    version: 1,
    order,
    artifacts: { image: `img-${region}`, modelDataUrl: null },
    bakeSeconds: 600,
    ...overrides,
  };
}

/** In-memory items, and SageMaker regions whose endpoints go InService at once. */
function world(items: RegionSyncItem[]) {
  const stored = new Map(items.map((i) => [i.region, i]));
  const endpoints = new Map(
    items.map((i) => [i.region, { configName: `${i.targetEndpointName}-config`, status: 'InService' }]),
  );
  const created: string[] = [];
  const store = {
    async list() {
      return [...stored.values()];
    },
    async update(current: RegionSyncItem, change: RegionSyncChange) {
      const { now: _now, countAttempt, resetAttempts, ...fields } = change;
      const next: RegionSyncItem = {
        ...current,
        ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
        attempts: resetAttempts ? 0 : current.attempts + (countAttempt ? 1 : 0),
        version: current.version + 1,
      };
      stored.set(current.region, next);
      return next;
    },
  };
  const models = (region: string): RegionModels => ({
    servingVariant: async () => {
      throw new Error('not used');
    },
    describeEndpoint: async (): Promise<EndpointState> => ({
      ...endpoints.get(region)!,
      failureReason: null,
    }),
    modelExists: async () => created.includes(`${region}/model`),
    createModel: async () => void created.push(`${region}/model`),
    endpointConfigExists: async () => created.includes(`${region}/config`),
    createEndpointConfig: async () => void created.push(`${region}/config`),
    updateEndpoint: async (_name, configName) =>
      void endpoints.set(region, { configName, status: 'InService' }),
    configVariants: async () => [],
    createWeightedConfig: async () => undefined,
    setWeights: async () => undefined,
  });
  let errorRate = 0;
  const metrics = (): MetricsReader => ({
    async read(_targets, now) {
      const periods = Array.from({ length: 5 }, (_, i) => ({
        time: now - i * 60_000,
        variants: {
          canary: {
            invocations: 1000,
            errors5xx: 1000 * errorRate,
            errors4xx: 0,
            latencyAvgMs: 10,
            latencyP50Ms: 10,
            latencyP90Ms: 10,
            latencyP99Ms: 10,
          },
          // A region canary's baseline: what the region ran, healthy.
          primary: {
            invocations: 1000,
            errors5xx: 0,
            errors4xx: 0,
            latencyAvgMs: 10,
            latencyP50Ms: 10,
            latencyP90Ms: 10,
            latencyP99Ms: 10,
          },
        },
      }));
      return {
        periods: new Map(_targets.map((target) => [target.key, periods])),
        calls: 1,
        incomplete: new Set(),
      };
    },
  });
  return {
    stored,
    endpoints,
    created,
    store,
    deps: { syncStore: store, models, metrics },
    setErrorRate: (rate: number) => void (errorRate = rate),
  };
}

const statuses = (w: ReturnType<typeof world>) => REGIONS.map((r) => w.stored.get(r)!.status);
const policy = standardPolicy();

describe('runLadder', () => {
  it('takes regions one at a time in the policy order, each baked before the next starts', async () => {
    const w = world(REGIONS.map((r, i) => item(r, i)));
    const first = await runLadder(w.deps, [...w.stored.values()].reverse(), policy, NOW);
    expect(statuses(w)).toEqual(['in-progress', 'pending', 'pending']);
    expect(first.events.map((e) => [e.kind, e.item.region])).toEqual([['deploying', 'us-west-2']]);
    expect(w.created).toEqual(['us-west-2/model', 'us-west-2/config']);
    await runLadder(w.deps, [...w.stored.values()], policy, NOW);
    expect(statuses(w)).toEqual(['baking', 'pending', 'pending']);
    const run = await runLadder(w.deps, [...w.stored.values()], policy, NOW + 600_000);
    expect(statuses(w)).toEqual(['done', 'in-progress', 'pending']);
    expect(run.events.map((e) => [e.kind, e.item.region])).toEqual([
      ['done', 'us-west-2'],
      ['deploying', 'eu-west-1'],
    ]);
  });

  it('sends a region whose bake fails back to its previous config and halts the regions after it', async () => {
    const w = world(REGIONS.map((r, i) => item(r, i)));
    for (const at of [NOW, NOW, NOW + 600_000, NOW + 600_000])
      await runLadder(w.deps, [...w.stored.values()], policy, at);
    expect(statuses(w)).toEqual(['done', 'baking', 'pending']);
    w.setErrorRate(0.3);
    const failed = await runLadder(w.deps, [...w.stored.values()], policy, NOW + 1_200_000);
    expect(statuses(w)).toEqual(['done', 'rolling-back', 'pending']);
    expect(failed.events.map((e) => e.kind)).toEqual(['bake-failed']);
    const back = await runLadder(w.deps, [...w.stored.values()], policy, NOW + 1_260_000);
    expect(statuses(w)).toEqual(['done', 'rolled-back', 'halted']);
    expect(w.endpoints.get('eu-west-1')?.configName).toBe('fraud-1-config');
    expect(w.endpoints.get('us-west-2')?.configName).toBe(COPY);
    expect(back.events.map((e) => e.kind)).toEqual(['rolled-back', 'halted']);
  });

  it('starts nothing while paused, and lets a promote skip the bakes', async () => {
    const w = world(REGIONS.map((r, i) => item(r, i, i === 0 ? { held: 'paused' } : {})));
    await runLadder(w.deps, [...w.stored.values()], policy, NOW);
    expect(statuses(w)).toEqual(['pending', 'pending', 'pending']);
    expect(await runLadderCommand(w.store, 'fraud', 'resume', { operator: 'ana' }, NOW)).toMatchObject({
      ok: true,
    });
    expect(await runLadderCommand(w.store, 'fraud', 'promote', { operator: 'ana' }, NOW)).toMatchObject({
      ok: true,
    });
    for (let i = 0; i < 6; i++) await runLadder(w.deps, [...w.stored.values()], policy, NOW);
    expect(statuses(w)).toEqual(['done', 'done', 'done']);
    expect(w.stored.get('eu-west-1')?.bake).toMatchObject({
      verdict: 'skipped',
      summary: 'skipped by promote',
    });
  });
});

describe('runLadderCommand', () => {
  it('aborts: the region that took the model goes back, the ones after it stop, the done ones stay done', async () => {
    const w = world([
      item('us-west-2', 0, { status: 'done' }),
      item('eu-west-1', 1, { status: 'baking', replacedConfig: 'fraud-1-config' }),
      item('ap-southeast-2', 2),
    ]);
    const result = await runLadderCommand(
      w.store,
      'fraud',
      'abort',
      { operator: 'ana', reason: 'bad data' },
      NOW,
    );
    expect(result).toMatchObject({ ok: true, event: { kind: 'aborted', item: { region: 'eu-west-1' } } });
    expect(statuses(w)).toEqual(['done', 'rolling-back', 'aborted']);
    expect(w.stored.get('eu-west-1')?.stopReason).toBe('aborted by ana: bad data');
    await runLadder(w.deps, [...w.stored.values()], policy, NOW);
    expect(statuses(w)).toEqual(['done', 'rolled-back', 'aborted']);
  });

  it('gives a region that used up its attempts a fresh count on resume', async () => {
    const w = world([
      item('us-west-2', 0, { status: 'failed', attempts: 20, lastError: 'ThrottlingException' }),
    ]);
    await runLadder(w.deps, [...w.stored.values()], policy, NOW);
    expect(w.created).toEqual([]);
    expect(await runLadderCommand(w.store, 'fraud', 'resume', { operator: 'ana' }, NOW)).toMatchObject({
      ok: true,
    });
    expect(w.stored.get('us-west-2')?.attempts).toBe(0);
    await runLadder(w.deps, [...w.stored.values()], policy, NOW);
    expect(w.stored.get('us-west-2')).toMatchObject({ status: 'in-progress', attempts: 1 });
  });

  it('refuses a second pause and a resume of a ladder that is not paused, and has nothing to act on once done', async () => {
    const w = world([item('us-west-2', 0)]);
    expect(await runLadderCommand(w.store, 'fraud', 'resume', { operator: 'ana' }, NOW)).toMatchObject({
      ok: false,
      kind: 'conflict',
    });
    await runLadderCommand(w.store, 'fraud', 'pause', { operator: 'ana' }, NOW);
    expect(await runLadderCommand(w.store, 'fraud', 'pause', { operator: 'ana' }, NOW)).toMatchObject({
      ok: false,
      kind: 'conflict',
    });
    const done = world([item('us-west-2', 0, { status: 'done' })]);
    expect(await runLadderCommand(done.store, 'fraud', 'abort', { operator: 'ana' }, NOW)).toMatchObject({
      ok: false,
      kind: 'none',
    });
  });
});

describe('readPromotedIdentity', () => {
  const serving = {
    endpointConfigName: 'fraud-rwabc-promoted',
    modelName: 'fraud-v2',
    instanceType: 'ml.m5.large',
    initialInstanceCount: 1,
    image: 'img',
    modelDataUrl: null,
    executionRoleArn: null,
  };
  const models = (variants: string[]): RegionModels =>
    ({
      async servingVariant(_endpoint: string, variant: string) {
        if (!variants.includes(variant))
          throw new PromotedIdentityError(`variant ${variant} is missing`, { variantMissing: true });
        return serving;
      },
    }) as unknown as RegionModels;
  const source = {
    region: 'us-east-1',
    endpointName: 'fraud',
    variantName: 'canary',
    baselineVariant: 'primary',
  };

  it('reads the baseline variant once the baseline retirement renamed the promoted canary, with the same key', async () => {
    const before = await readPromotedIdentity(models(['primary', 'canary']), source);
    const after = await readPromotedIdentity(models(['primary']), source);
    expect(after).toMatchObject({ modelName: 'fraud-v2', variantName: 'canary' });
    expect(after.key).toBe(before.key);
  });

  it('still refuses an endpoint it cannot read', async () => {
    const broken = {
      async servingVariant() {
        throw new PromotedIdentityError('cannot describe endpoint fraud');
      },
    } as unknown as RegionModels;
    await expect(readPromotedIdentity(broken, source)).rejects.toThrow('cannot describe endpoint fraud');
  });
});

describe('a region as a canary of its own', () => {
  const canaryItem = (w: ReturnType<typeof world>) => w.stored.get('eu-west-1')!;
  const start = () => {
    const w = world([
      item('eu-west-1', 0, {
        status: 'canary',
        replacedConfig: 'fraud-0-config',
        steps: [
          { kind: 'setWeight', weight: 20 },
          { kind: 'pause', durationSeconds: 600 },
        ],
        canary: {
          config: 'fraud-c',
          baselineVariant: 'primary',
          canaryVariant: 'canary',
          state: null,
          appliedWeight: null,
          done: false,
        },
      }),
    ]);
    w.endpoints.set('eu-west-1', { configName: 'fraud-c', status: 'InService' });
    return w;
  };

  it('starts on its first step and goes back to what the region ran when the engine rolls it back', async () => {
    const w = start();
    const first = await runLadder(w.deps, [canaryItem(w)], policy, NOW);
    expect(first.events.map((e) => e.kind)).toEqual(['canary-step']);
    expect(canaryItem(w).canary).toMatchObject({ appliedWeight: 20, state: { canaryWeight: 20 } });
    w.setErrorRate(0.3);
    await runLadder(w.deps, [canaryItem(w)], policy, NOW + 60_000);
    const failed = await runLadder(w.deps, [canaryItem(w)], policy, NOW + 120_000);
    expect(failed.events.map((e) => e.kind)).toContain('canary-failed');
    expect(w.endpoints.get('eu-west-1')?.configName).toBe('fraud-0-config');
    await runLadder(w.deps, [canaryItem(w)], policy, NOW + 180_000);
    expect(canaryItem(w).status).toBe('rolled-back');
  });

  it('takes pause and promote through the engine', async () => {
    const w = start();
    await runLadder(w.deps, [canaryItem(w)], policy, NOW);
    await runLadderCommand(w.store, 'fraud', 'pause', { operator: 'ana' }, NOW, policy);
    expect(canaryItem(w).canary?.state?.phase).toBe('Paused');
    await runLadderCommand(w.store, 'fraud', 'promote', { operator: 'ana' }, NOW, policy);
    expect(canaryItem(w).canary?.state?.phase).toBe('Promoted');
    const promoted = await runLadder(w.deps, [canaryItem(w)], policy, NOW + 60_000);
    expect(promoted.events.map((e) => e.kind)).toEqual(['canary-promoted']);
    expect(w.endpoints.get('eu-west-1')?.configName).toBe(COPY);
  });
});
