import type { AlarmStates } from '../ports/alarm-states';
import type { MetricsReader } from '../ports/metrics-reader';
import type { RolloutOutcome } from '../stats/rollout-outcome';
import type { PolicyReader } from '../ports/policy-reader';
import type { RegionSyncRepository } from '../ports/region-sync-repository';
import type { RolloutRecord } from '../ports/rollout-repository';
import type { WatchdogDeps } from '../watchdog/watchdog-deps';

/** Everything the control API's commands and queries talk to: the watchdog deps plus the stored policies. */
export interface ControlDeps extends WatchdogDeps {
  /** States of the alarms a policy names, in one region (a start checks them before any change). */
  alarmStates(region: string): AlarmStates;
  /** Stored policies. */
  policies: Pick<PolicyReader, 'get' | 'parameterName'>;
  /** Finished rollouts, newest first (the repository's `listFinished`); without it `recent` is empty. */
  listRecent?(limit: number): Promise<RolloutRecord[]>;
  /** Region sync progress of a promoted endpoint; optional. With `update`, commands act on its ladder. */
  regionSync?: Pick<RegionSyncRepository, 'list'> & Partial<Pick<RegionSyncRepository, 'update'>>;
  /**
   * Outcomes of the rollouts that ended in a period (the store's `listOutcomes`, one Query on the
   * outcome index), for `GET /stats`; without it the route answers 503.
   */
  outcomes?(range: { since: string; until: string; endpointName?: string }): Promise<RolloutOutcome[]>;
  /** Per-variant CloudWatch metrics of one region, for `GET /rollouts/{endpoint}/metrics`; without it 503. */
  metrics?(region: string): MetricsReader;
}
