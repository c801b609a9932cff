import { describe, expect, it } from 'vitest';
import { planMetricQueries } from '../../../shared/aws/cloudwatch-metrics';
import type { BlueGreenState, RolloutState } from '../../../shared/domain/types';
import type { RolloutRecord } from '../../../shared/ports/rollout-repository';
import { blueGreenMetricsTarget } from '../../../shared/watchdog/watch-blue-green';
import { at, standardPolicy } from '../../fixtures/policies/policy-fixtures';

/** Dimensions of every query, by the variant its values come back under. */
function dimensionsByVariant(plan: ReturnType<typeof planMetricQueries>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const batch of plan.batches)
    for (const q of batch.queries) {
      const meaning = plan.meanings.get(q.Id ?? '');
      if (meaning?.kind !== 'variant') continue;
      const dims = (q.MetricStat?.Metric?.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).join(',');
      out.set(meaning.variant, (out.get(meaning.variant) ?? new Set()).add(dims));
    }
  return out;
}

describe('the metrics a blue/green rollout is judged on', () => {
  const policy = standardPolicy((raw) => {
    raw.strategy = { blueGreen: {} };
    raw.rollback = { onAlarms: [] };
  });
  const blueGreen: BlueGreenState = {
    phase: 'shifting',
    since: at(0),
    model: 'v2',
    newConfig: 'demo-endpoint-rw00000000-bluegreen',
    oldConfig: 'demo-endpoint-initial',
    greenShare: 20,
    alarms: [],
    verdictAlarm: 'rollout-watchdog-verdict-demo-endpoint',
    verdict: 'passing',
    rollbackRequested: null,
  };
  const record = (state: Partial<RolloutState>) =>
    ({ endpointName: 'demo-endpoint', policy, state }) as unknown as RolloutRecord;

  it('reads each fleet by its endpoint config: the new one as the canary, the old one as the baseline', () => {
    const plan = planMetricQueries([blueGreenMetricsTarget(record({ blueGreen }))], at(5));
    expect(dimensionsByVariant(plan)).toEqual(
      new Map([
        [
          'primary',
          new Set([
            'EndpointConfigName=demo-endpoint-initial,EndpointName=demo-endpoint,VariantName=primary',
          ]),
        ],
        [
          'canary',
          new Set([
            'EndpointConfigName=demo-endpoint-rw00000000-bluegreen,EndpointName=demo-endpoint,VariantName=primary',
          ]),
        ],
      ]),
    );
  });

  it('reads a canary rollout per variant, as always', () => {
    const plan = planMetricQueries([blueGreenMetricsTarget(record({}))], at(5));
    expect(dimensionsByVariant(plan).get('canary')).toEqual(
      new Set(['EndpointName=demo-endpoint,VariantName=canary']),
    );
  });
});
