/** Why a `rollout.alert` was raised: the kind a subscriber filters on and the defaults key on. */
export type AlertKind =
  | 'drift'
  | 'missing-variant'
  | 'invalid-policy'
  | 'missing-policy'
  | 'endpoint-failed'
  | 'endpoint-missing'
  | 'other';

/*
 * What the watchdog found when it raises an alert, as data. The orchestration that finds it passes
 * one of these to its wording function in `shared/wording/describe-alert.ts`, which gives the
 * alert's kind, reason and "next" text. One function per finding rather than one switch, so a
 * bundle carries only the words of the alerts its function can raise.
 */

/** DescribeEndpoint found no endpoint: automation stops. */
export interface EndpointMissing {
  endpointName: string;
  region: string;
}

/** The endpoint is in a status automation cannot act on (`Failed`, `OutOfService`, ...). */
export interface EndpointBroken {
  endpointName: string;
  status: string;
  failureReason: string | null;
}

/** Policy variants the endpoint does not have; `present` is what it has. */
export interface VariantsMissing {
  endpointName: string;
  missing: string[];
  present: string[];
}

/** The endpoint's canary share (percent, from its weights) is not what the rollout set. */
export interface WeightsDrift {
  actualWeight: number;
  intendedWeight: number;
}

/** The stored policy does not validate; `lastValidInForce`: an older valid policy still rules. */
export interface InvalidStoredPolicy {
  endpointName: string;
  problemCount: number;
  lastValidInForce: boolean;
}

/** A synced region no longer runs the config region sync made it run. */
export interface RegionDrift {
  targetEndpointName: string;
  region: string;
  /** The config it runs, or null when it names none. */
  runs: string | null;
  /** The endpoint is gone altogether. */
  deleted: boolean;
  /** The config region sync made it run. */
  expected: string;
}

/** Region sync of one target region failed (retried by the next scheduled run). */
export interface RegionSyncFailure {
  endpointName: string;
  targetEndpointName: string;
  region: string;
  error: string | null;
}
