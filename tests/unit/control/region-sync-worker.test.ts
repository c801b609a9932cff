import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import type { RegionSyncStore } from '../../../shared/aws/region-sync-store';
import { SageMakerRegionModels } from '../../../shared/aws/sagemaker-region-models';
import type { RegionSyncItem } from '../../../shared/watchdog/region-sync-types';
import { MAX_SYNC_ATTEMPTS, regionCopyName, syncRegion } from '../../../shared/watchdog/region-sync-worker';

const NOW = Date.parse('2026-03-01T10:00:00Z');

function item(overrides: Partial<RegionSyncItem> = {}): RegionSyncItem {
  return {
    endpointName: 'fraud',
    region: 'us-west-2',
    targetEndpointName: 'fraud-dr',
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
      image: 'repo/img:2',
      modelDataUrl: null,
      executionRoleArn: null,
      key: 'abc123def0',
    },
    promotedAt: '2026-03-01T09:59:00Z',
    createdAt: '2026-03-01T09:59:00Z',
    updatedAt: '2026-03-01T09:59:00Z',
    version: 1,
    ...overrides,
  };
}

/** A store that applies updates in memory, and a SageMaker client answering from `world`. */
function fakes(world: {
  models: Set<string>;
  configs: Set<string>;
  endpoint?: { config: string; status: string };
}) {
  const updates: Array<{ status: string; lastError?: string | null }> = [];
  const store = {
    async update(
      current: RegionSyncItem,
      change: { status: RegionSyncItem['status']; lastError?: string | null; countAttempt?: boolean },
    ) {
      updates.push({
        status: change.status,
        ...(change.lastError !== undefined ? { lastError: change.lastError } : {}),
      });
      return {
        ...current,
        status: change.status,
        attempts: current.attempts + (change.countAttempt ? 1 : 0),
        lastError: change.lastError === undefined ? current.lastError : change.lastError,
        version: current.version + 1,
      };
    },
  } as unknown as Pick<RegionSyncStore, 'update'>;
  const sent: string[] = [];
  const notFound = (what: string) =>
    Object.assign(new Error(`Could not find ${what}`), { name: 'ValidationException' });
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, string> }) {
      const op = command.constructor.name.replace(/Command$/, '');
      sent.push(op);
      const input = command.input;
      switch (op) {
        case 'DescribeModel':
          if (!world.models.has(input.ModelName as string)) throw notFound('model');
          return {};
        case 'CreateModel':
          world.models.add(input.ModelName as string);
          return {};
        case 'DescribeEndpointConfig':
          if (!world.configs.has(input.EndpointConfigName as string)) throw notFound('endpoint config');
          return {};
        case 'CreateEndpointConfig':
          world.configs.add(input.EndpointConfigName as string);
          return {};
        case 'DescribeEndpoint':
          if (!world.endpoint) throw notFound('endpoint');
          return { EndpointConfigName: world.endpoint.config, EndpointStatus: world.endpoint.status };
        case 'UpdateEndpoint':
          if (world.endpoint)
            world.endpoint = { config: input.EndpointConfigName as string, status: 'Updating' };
          return {};
        default:
          throw new Error(`unexpected ${op}`);
      }
    },
  } as unknown as SageMakerClient;
  return { deps: { syncStore: store, models: () => new SageMakerRegionModels(client) }, updates, sent };
}

const NAME = regionCopyName('fraud', 'abc123def0');

describe('syncRegion', () => {
  it('creates the model and config under deterministic names and points the target endpoint at them', async () => {
    const world = {
      models: new Set<string>(),
      configs: new Set<string>(),
      endpoint: { config: 'old', status: 'InService' },
    };
    const { deps, sent } = fakes(world);
    const result = await syncRegion(deps, item(), NOW);
    expect(result).toMatchObject({ status: 'in-progress', attempts: 1 });
    expect(sent).toEqual([
      'DescribeModel',
      'CreateModel',
      'DescribeEndpointConfig',
      'CreateEndpointConfig',
      'DescribeEndpoint',
      'UpdateEndpoint',
    ]);
    expect(world.endpoint.config).toBe(NAME);
  });

  it('resumes without re-creating what exists, and is done once the target is InService on the copy', async () => {
    const world = {
      models: new Set([NAME]),
      configs: new Set([NAME]),
      endpoint: { config: NAME, status: 'InService' },
    };
    const { deps, sent } = fakes(world);
    const result = await syncRegion(deps, item({ status: 'in-progress', attempts: 1 }), NOW);
    expect(result.status).toBe('done');
    expect(sent).toEqual(['DescribeModel', 'DescribeEndpointConfig', 'DescribeEndpoint']);
  });

  it.each([
    ['the target endpoint does not exist', {}, /target endpoint fraud-dr does not exist in us-west-2/],
    ['the promoted model has no image', { image: null }, /has no container image/],
  ])('fails when %s', async (_case, identity, message) => {
    const world = { models: new Set<string>(), configs: new Set<string>() };
    const { deps } = fakes(world);
    const base = item();
    const result = await syncRegion(deps, { ...base, identity: { ...base.identity, ...identity } }, NOW);
    expect(result.status).toBe('failed');
    expect(result.lastError).toMatch(message);
  });

  it('waits for a busy target endpoint instead of updating it', async () => {
    const world = {
      models: new Set([NAME]),
      configs: new Set([NAME]),
      endpoint: { config: 'old', status: 'Updating' },
    };
    const { deps, sent } = fakes(world);
    const result = await syncRegion(deps, item(), NOW);
    expect(result.status).toBe('in-progress');
    expect(sent).not.toContain('UpdateEndpoint');
  });

  it('stops retrying after the attempt cap and leaves done items alone', async () => {
    const { deps, sent } = fakes({ models: new Set(), configs: new Set() });
    await syncRegion(deps, item({ status: 'failed', attempts: MAX_SYNC_ATTEMPTS }), NOW);
    await syncRegion(deps, item({ status: 'done' }), NOW);
    expect(sent).toEqual([]);
  });
});
