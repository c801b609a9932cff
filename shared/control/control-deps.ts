import type { PolicyReader } from '../ports/policy-reader';
import type { RegionSyncRepository } from '../ports/region-sync-repository';
import type { RolloutRecord } from '../ports/rollout-repository';
import type { WatchdogDeps } from '../watchdog/watchdog-deps';

/** Everything the control API's commands and queries talk to: the watchdog deps plus the stored policies. */
export interface ControlDeps extends WatchdogDeps {
  /** Stored policies. */
  policies: Pick<PolicyReader, 'get' | 'parameterName'>;
  /** Finished rollouts, newest first (the repository's `listFinished`); without it `recent` is empty. */
  listRecent?(limit: number): Promise<RolloutRecord[]>;
  /** Region sync progress of a promoted endpoint; optional. */
  regionSync?: Pick<RegionSyncRepository, 'list'>;
}
