import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNotificationHead } from '../../../shared/events/notification-message';
import { identityKey } from '../../../shared/watchdog/region-sync-identity';
import { handleRegionSyncEvent, type RegionSyncRunDeps } from '../../../shared/watchdog/region-sync-run';
import { regionCopyName, SAGEMAKER_NAME_LIMIT } from '../../../shared/watchdog/region-sync-worker';

const identity = {
  sourceRegion: 'us-east-1',
  sourceEndpointName: 'fraud',
  endpointConfigName: 'fraud-config',
  variantName: 'canary',
  modelName: 'fraud-v2',
  instanceType: 'ml.m5.large',
  initialInstanceCount: 2,
  image: 'repo/img:2',
  modelDataUrl: 's3://b/model.tar.gz',
  executionRoleArn: null,
};

describe('regionCopyName', () => {
  it('is the endpoint name plus the identity key when it fits', () => {
    expect(regionCopyName('fraud', 'abc123def0')).toBe('fraud-abc123def0');
  });

  it('stays a valid SageMaker name within 63 characters for any endpoint name', () => {
    const name = fc.stringMatching(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
    fc.assert(
      fc.property(name, (endpointName) => {
        const copy = regionCopyName(endpointName, 'abc123def0');
        expect(copy.length).toBeLessThanOrEqual(SAGEMAKER_NAME_LIMIT);
        expect(copy).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/);
        expect(regionCopyName(endpointName, 'abc123def0')).toBe(copy);
      }),
      { numRuns: 200 },
    );
  });
});

describe('identityKey', () => {
  it('is stable for the same model and changes with the model or how it is served', () => {
    const key = identityKey(identity);
    expect(key).toMatch(/^[0-9a-f]{10}$/);
    expect(identityKey({ ...identity, endpointConfigName: 'another-config' })).toBe(key);
    expect(identityKey({ ...identity, image: 'repo/img:3' })).not.toBe(key);
    expect(identityKey({ ...identity, initialInstanceCount: 3 })).not.toBe(key);
  });
});

describe('parseNotificationHead', () => {
  const n = {
    eventType: 'rollout.promoted',
    endpointName: 'fraud',
    region: 'us-east-1',
    time: '2026-03-01T10:00:00Z',
  };

  it.each([
    ['the lambda key JSON', JSON.stringify(n)],
    ['the whole message structure', JSON.stringify({ default: 'text', lambda: JSON.stringify(n) })],
  ])('reads %s', (_case, message) => {
    expect(parseNotificationHead(message)).toMatchObject(n);
  });

  it.each([['not json'], ['{}'], [JSON.stringify({ default: 'plain text' })], ['null']])(
    'returns null for %s',
    (message) => {
      expect(parseNotificationHead(message)).toBeNull();
    },
  );
});

describe('handleRegionSyncEvent', () => {
  const deps: RegionSyncRunDeps = {
    syncStore: {
      recordPending: async () => 'created',
      listUnfinished: async () => [],
    },
    readRollout: async () => undefined,
    models: () => {
      throw new Error('no SageMaker in this test');
    },
  };

  it('never throws on an arbitrary event', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.anything(), fc.record({ Records: fc.array(fc.anything()) })),
        async (event) => {
          const result = await handleRegionSyncEvent(deps, event);
          expect(['promotions', 'schedule', 'ignored']).toContain(result.kind);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('ignores a promotion for an endpoint without a stored rollout', async () => {
    const event = {
      Records: [
        {
          EventSource: 'aws:sns',
          Sns: {
            Message: JSON.stringify({
              eventType: 'rollout.promoted',
              endpointName: 'x',
              region: 'us-east-1',
              time: '2026-03-01T10:00:00Z',
            }),
          },
        },
      ],
    };
    const result = await handleRegionSyncEvent(deps, event);
    expect(result).toEqual({
      kind: 'promotions',
      malformed: 0,
      outcomes: [{ kind: 'ignored', endpointName: 'x', reason: 'no rollout is stored for this endpoint' }],
    });
  });
});
