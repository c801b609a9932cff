import type { PeriodObservation, RolloutPolicy } from '../domain/types';

/** One rollout whose metrics a tick reads. `key` comes back on its observations. */
export interface MetricsTarget {
  key: string;
  policy: RolloutPolicy;
  /**
   * Dimensions to read a variant's SageMaker metrics with, by the variant name its values come
   * back under, instead of `{EndpointName, VariantName}`: a blue/green deployment reads each fleet
   * by its endpoint config (`EndpointConfigName`), the new one as the canary, the old as the baseline.
   */
  variantDimensions?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface MetricsRead {
  /** Per target key, periods oldest first. */
  periods: Map<string, PeriodObservation[]>;
  /** Calls made (pages included). */
  calls: number;
  /** Targets with a query whose result was not complete after all pages (e.g. InternalError), by key. */
  incomplete: Set<string>;
}

/** Per-variant metrics of every rollout of a tick in one region, read together. */
export interface MetricsReader {
  /** Reads the analysis windows of `targets` ending at the newest closed period before `now` (epoch ms). */
  read(targets: ReadonlyArray<MetricsTarget>, now: number): Promise<MetricsRead>;
}
