import type {
  AlertKind,
  EndpointBroken,
  EndpointMissing,
  InvalidStoredPolicy,
  RegionSyncFailure,
  VariantsMissing,
  WeightsDrift,
} from '../notify/alert-cause';
import { formatWeight } from './format-values';

/**
 * The words of the alerts the watchdog raises (`rollout.alert`): for each finding, the kind it is
 * filed under, the one-sentence reason and, where the kind's default does not fit, what happens
 * next. Separate functions, so each bundle keeps only the words of the alerts it raises.
 */
export interface AlertWording {
  kind: AlertKind;
  reason: string;
  next?: string;
}

/** How an endpoint alert ends: what reconcile does about it. */
const AUTOMATION_STOPS = '; automation stops and no weights are sent.';

export function describeEndpointMissing(found: EndpointMissing): AlertWording {
  return {
    kind: 'endpoint-missing',
    reason: `Endpoint ${found.endpointName} was not found in ${found.region}${AUTOMATION_STOPS}`,
  };
}

export function describeEndpointBroken(found: EndpointBroken): AlertWording {
  const why = found.failureReason ? ` (${found.failureReason})` : '';
  return {
    kind: 'endpoint-failed',
    reason: `Endpoint ${found.endpointName} is ${found.status}${why}${AUTOMATION_STOPS}`,
  };
}

export function describeVariantsMissing(found: VariantsMissing): AlertWording {
  return {
    kind: 'missing-variant',
    reason: `Variant(s) ${found.missing.join(', ')} named by the policy are not on endpoint ${found.endpointName} (it has: ${found.present.join(', ') || 'none'}); the rollout is aborted and no weights are sent.`,
  };
}

export function describeWeightsDrift(found: WeightsDrift): AlertWording {
  return {
    kind: 'drift',
    reason: `Endpoint weights were changed outside the watchdog: canary at ${formatWeight(found.actualWeight)} where the rollout set ${found.intendedWeight}%. The watchdog does not fight a person: the rollout is paused at the endpoint's weights.`,
  };
}

export function describeInvalidStoredPolicy(found: InvalidStoredPolicy): AlertWording {
  return {
    kind: 'invalid-policy',
    reason: found.lastValidInForce
      ? `The stored policy of ${found.endpointName} is invalid (${found.problemCount} problem(s)); the last valid policy stays in force.`
      : `The stored policy of ${found.endpointName} is invalid and no valid policy was ever in force; no traffic changes.`,
  };
}

/** The alert of a region drift first seen; `drift` is the item's stored drift (describeRegionDrift). */
export function describeRegionDriftAlert(drift: string): AlertWording {
  return {
    kind: 'drift',
    reason: `Region sync drift: ${drift}. Someone (or another deployment) changed it after the watchdog synced the promoted model.`,
    next: 'The watchdog does not revert it. Sync again by promoting anew, or leave it if the change was intended.',
  };
}

export function describeRegionSyncFailure(found: RegionSyncFailure): AlertWording {
  return {
    kind: 'other',
    reason: `Region sync of the promoted model of ${found.endpointName} to ${found.targetEndpointName} (${found.region}) failed: ${found.error ?? 'unknown error'}`,
    next: 'The next scheduled region-sync run retries this region; the other regions carry on. The primary endpoint is not affected.',
  };
}

/**
 * A CloudWatch alarm on the topic (`NewStateValue`, `NewStateReason` of its message); its own
 * description, when it has one, says what to do. Plain arguments rather than an object: the Slack
 * notifier's bundle carries this, and its size is held.
 */
export function describeCloudWatchAlarm(
  alarmName: string,
  state: string,
  stateReason: string | undefined,
  description: string | undefined,
): AlertWording {
  return {
    kind: 'other',
    reason: `CloudWatch alarm ${alarmName} is ${state}: ${stateReason ?? ''}`.trim(),
    next:
      description ??
      'Look at the alarm in CloudWatch and the logs of the function it watches; the watchdog cannot fix this by itself.',
  };
}

/** What happens next after an alert of each kind, unless its wording says otherwise. */
export const ALERT_NEXT: Readonly<Record<AlertKind, string>> = {
  drift:
    'The rollout is paused: the endpoint weights were changed outside the watchdog, and it does not fight a person. Resume to let the watchdog take over again from the current weights, or abort.',
  'missing-variant':
    'The rollout is aborted and no weights are sent for unverified variant names. Fix the endpoint configuration, then start a new rollout.',
  'invalid-policy':
    'The last valid policy stays in force (a policy that never validated changes no traffic). Fix the stored policy; the next tick picks it up.',
  'missing-policy':
    'No traffic changes until a policy is stored. Store the policy, or start the rollout with a policy in the request.',
  'endpoint-failed':
    'Automation for this endpoint is paused and no weights are sent. Repair the endpoint, then resume or abort the rollout.',
  'endpoint-missing':
    'Automation for this endpoint is paused and no weights are sent. Recreate the endpoint or abort the rollout.',
  other: 'The watchdog keeps running; look at the logs of the function named below.',
};
