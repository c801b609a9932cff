import type { BlueGreenDeployments, VerdictAlarms } from '../ports/blue-green-deployments';
import type { EndpointConfigs } from '../ports/endpoint-configs';
import type { EndpointWeights } from '../ports/endpoint-weights';
import type { Notifier } from '../ports/notifier';
import type { RolloutRepository } from '../ports/rollout-repository';
import type { WatchdogLog } from '../ports/watchdog-log';

/** Everything commitTransition, reconcile, the tick and the alarm handler talk to. */
export interface WatchdogDeps {
  store: RolloutRepository;
  /** The endpoints of one region (cache one adapter per region). */
  endpoints(region: string): EndpointWeights;
  /**
   * The endpoint configs of one region, for the endpoint lifecycle (deploy the canary, retire the
   * baseline, remove the canary). Without it those changes wait, and say so.
   */
  endpointConfigs?(region: string): EndpointConfigs;
  /** SageMaker's blue/green deployments of one region (`strategy.blueGreen`): started and watched, never given weights. */
  blueGreen?(region: string): BlueGreenDeployments;
  /** The watchdog's verdict alarm and metric of one region, through which it makes SageMaker roll a deployment back. */
  verdicts?(region: string): VerdictAlarms;
  notifier: Notifier;
  log?: WatchdogLog;
  /** Base URL of the control API, for intervention commands in notifications. */
  apiUrl?: string;
  /**
   * The wall clock, epoch ms, for leases only (decisions take the event's time). Default
   * `Date.now`; the fault suite passes its own to let a crashed owner's lease run out.
   */
  wallNow?: () => number;
}
