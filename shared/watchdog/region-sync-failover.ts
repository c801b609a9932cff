import { evaluateWindow } from '../domain/evaluate-window';
import { bakePolicy } from '../domain/region-bake';
import type { RolloutPolicy } from '../domain/types';
import type { MetricsReader } from '../ports/metrics-reader';
import type { RegionModels } from '../ports/region-models';
import type { RegionSyncItem } from './region-sync-types';

export interface PrimaryHealthDeps {
  models(region: string): RegionModels;
  metrics(region: string): MetricsReader;
}

/**
 * Whether the primary endpoint's promoted model is failing by its own metrics: the variant that
 * serves it (the canary until the baseline is retired, then the baseline's name) judged over the
 * policy's window against the policy's absolute bounds, as a region's bake is. One failing window
 * is enough here: the signal only names where to go, it moves nothing. Null when it is healthy,
 * has too little traffic to say, or cannot be read (the status check covers an unreachable
 * region); otherwise the words of what fails.
 */
export async function primaryMetricsFailing(
  deps: PrimaryHealthDeps,
  policy: RolloutPolicy,
  item: RegionSyncItem,
  configName: string | null,
  now: number,
): Promise<string | null> {
  if (!configName) return null;
  const region = item.identity.sourceRegion;
  try {
    const variants = await deps.models(region).configVariants(configName);
    const serving = variants.find((variant) => variant.modelName === item.identity.modelName);
    if (!serving) return null;
    const judged = bakePolicy(policy, {
      endpointName: item.endpointName,
      region,
      variantName: serving.variantName,
    });
    const read = await deps.metrics(region).read([{ key: 'primary', policy: judged }], now);
    const window = evaluateWindow(judged, read.periods.get('primary') ?? [], {}, now, false);
    if (window.verdict !== 'fail') return null;
    const failing = window.evidence.metrics
      .filter((metric) => metric.verdict === 'fail')
      .map((metric) => metric.reason)
      .join('; ');
    return ` (its promoted model ${item.identity.modelName} is failing on ${serving.variantName}: ${failing})`;
  } catch {
    return null;
  }
}
