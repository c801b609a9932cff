import { describe, expect, it } from 'vitest';
import type { RolloutStatus } from '../../../shared/control/control-contract';
import { renderRegions } from '../../../shared/cli-client/render-regions';

const region = (name: string, status: string, extra: Record<string, unknown> = {}) => ({
  region: name,
  targetEndpointName: `fraud-${name}`,
  status,
  attempts: 1,
  lastError: null,
  drift: null,
  replacedConfig: null,
  updatedAt: '',
  model: 'fraud-v2',
  ...extra,
});

describe('renderRegions', () => {
  it("shows each region's model, status and bake in ladder order, and what needs a person", () => {
    const status = {
      endpointName: 'fraud',
      region: 'us-east-1',
      phase: 'Promoted',
      regions: [
        region('us-west-2', 'done', {
          bake: { verdict: 'passed', summary: '5000 requests', invocations: 5000, startedAt: '', until: '' },
          failover: 'the endpoint is gone',
        }),
        region('eu-west-1', 'baking', {
          held: 'paused',
          bake: {
            verdict: 'watching',
            summary: 'bake begun',
            invocations: 0,
            startedAt: '',
            until: '2026-03-01T10:10:00.000Z',
          },
        }),
        region('ap-southeast-2', 'pending'),
      ],
    } as unknown as RolloutStatus;
    const lines = renderRegions(status).split('\n');
    expect(lines[0]).toBe("fraud (us-east-1): the promoted model's ladder");
    expect(lines[1]).toMatch(/1\. us-west-2 .* fraud-v2 .* done {2}bake: passed \(5000 requests\)/);
    expect(lines[2]).toContain('FAILOVER to us-west-2: the endpoint is gone');
    expect(lines[3]).toMatch(
      /2\. eu-west-1 .* baking \[paused\] {2}bake: watching until 2026-03-01T10:10:00.000Z/,
    );
    expect(lines[4]).toMatch(/3\. ap-southeast-2 .* pending {2}bake: not begun/);
  });

  it('says why there is no ladder', () => {
    expect(renderRegions({ endpointName: 'fraud', phase: 'Progressing' } as RolloutStatus)).toContain(
      'regions take the model after a promotion',
    );
  });
});
