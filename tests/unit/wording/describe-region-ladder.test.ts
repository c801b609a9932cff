import { describe, expect, it } from 'vitest';
import type { RegionSyncItem } from '../../../shared/watchdog/region-sync-types';
import { describeLadderEvent, type LadderEventKind } from '../../../shared/wording/describe-region-ladder';

const item = (region: string, endpoint: string): RegionSyncItem => ({
  endpointName: 'fraud',
  region,
  targetEndpointName: endpoint,
  status: 'baking',
  attempts: 1,
  lastError: null,
  identity: {
    sourceRegion: 'us-east-1',
    sourceEndpointName: 'fraud',
    endpointConfigName: 'c',
    variantName: 'canary',
    modelName: 'fraud-v7',
    instanceType: null,
    initialInstanceCount: null,
    image: null,
    modelDataUrl: null,
    executionRoleArn: null,
    key: 'k',
  },
  promotedAt: '',
  createdAt: '',
  updatedAt: '',
  version: 1,
  replacedConfig: 'fraud-eu-old',
  bakeSeconds: 600,
  bake: { verdict: 'failed', summary: 'error-rate fail (0.2)', invocations: 5000, startedAt: '', until: '' },
  drift: 'fraud-eu (eu-west-1) runs other, not the synced copy',
});

const KINDS: LadderEventKind[] = [
  'deploying',
  'baking',
  'done',
  'bake-failed',
  'rolled-back',
  'halted',
  'paused',
  'resumed',
  'aborted',
  'promoted',
  'drift',
  'drift-repairing',
  'drift-repaired',
  'failover',
  'failed',
  'unmapped',
  'canary-step',
  'canary-promoted',
  'canary-failed',
];

describe('describeLadderEvent', () => {
  it.each(KINDS)('%s names the region and the model, and says what happens next', (kind) => {
    const wording = describeLadderEvent({
      kind,
      item: item('eu-west-1', 'fraud-eu'),
      next: item('ap-southeast-2', 'fraud-ap'),
    });
    expect(wording.reason).toContain('eu-west-1');
    expect(wording.reason).toContain('fraud-v7');
    expect(wording.next.length).toBeGreaterThan(20);
  });

  it('says which region comes next, or that it was the last one', () => {
    const eu = item('eu-west-1', 'fraud-eu');
    expect(
      describeLadderEvent({ kind: 'baking', item: eu, next: item('ap-southeast-2', 'fraud-ap') }).next,
    ).toContain('Then ap-southeast-2 (fraud-ap) takes fraud-v7.');
    expect(describeLadderEvent({ kind: 'baking', item: eu, next: null }).next).toContain(
      'last region of the ladder',
    );
  });

  it('is critical for a failed bake and the failover signal', () => {
    const eu = item('eu-west-1', 'fraud-eu');
    expect(describeLadderEvent({ kind: 'bake-failed', item: eu }).severity).toBe('critical');
    expect(describeLadderEvent({ kind: 'failover', item: eu, detail: ' (Failed: x)' })).toMatchObject({
      severity: 'critical',
      next: expect.stringContaining('Fail over to eu-west-1'),
    });
  });
});
