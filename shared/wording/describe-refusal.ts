import type { EndpointChange } from '../domain/endpoint-change';
import { describeChangeKind } from './describe-endpoint-change';
import type { Phase } from '../domain/types';

/**
 * The words of the control API's refusals: why a command or a query was not carried out, as the
 * `error` (and `problems`) of a 4xx or 5xx answer. The CLI prints them as they are.
 */

export function noRolloutFor(endpointName: string): string {
  return `no rollout for endpoint ${endpointName}`;
}

export function policyForOtherEndpoint(policyEndpoint: string, requested: string): string {
  return `policy.endpoint.name: is "${policyEndpoint}" but the request starts "${requested}"`;
}

export function endpointNotFound(endpointName: string, region: string): string {
  return `endpoint ${endpointName} not found in ${region}`;
}

export function endpointUnreadable(endpointName: string, error: string): string {
  return `cannot read endpoint ${endpointName}: ${error}`;
}

/** A start refused because the endpoint lacks policy variants: the error, and one problem a variant. */
export function variantsMissing(
  endpointName: string,
  missing: ReadonlyArray<string>,
  present: ReadonlyArray<string>,
): { error: string; problems: string[] } {
  const has = present.join(', ') || 'none';
  return {
    error: `endpoint ${endpointName} lacks variant(s) the policy names`,
    problems: missing.map((name) => `variant ${name} is not on the endpoint (it has: ${has})`),
  };
}

export function endpointNotInService(endpointName: string, status: string): string {
  return `endpoint ${endpointName} is ${status}, not InService; start again once it is InService`;
}

/** A start refused because the baseline gets no traffic and would be handed `movedPct` percent. */
export function idleBaseline(baselineVariant: string, endpointName: string, movedPct: number): string {
  return `baseline variant ${baselineVariant} of ${endpointName} gets no traffic now; starting would move ${movedPct}% to it. Deploy an endpoint config whose baseline is the model in service first`;
}

export function keptChanging(endpointName: string, attempts: number): string {
  return `rollout of ${endpointName} kept changing while the command was applied (${attempts} attempts); try again`;
}

export function storedPolicyUnreadable(endpointName: string, error: string): string {
  return `cannot read the stored policy of ${endpointName}: ${error}`;
}

/** `where`: the parameter that holds the policy, when the policy source names it. */
export function storedPolicyInvalid(where: string | undefined): string {
  return `the policy stored at ${where ?? 'the parameter store'} is invalid; fix it or pass a policy in the request`;
}

export function policyRequired(where: string | undefined): string {
  return `policy: required, because no policy is stored at ${where ?? 'the parameter store'}`;
}

/** A start refused because the finished rollout before it still owes its weights or announcements. */
export function previousRolloutUnsettled(
  endpointName: string,
  phase: Phase,
  weightsPending: boolean,
  announcementsPending: number,
): string {
  const owed = [
    weightsPending ? 'its final weights are not on the endpoint yet' : '',
    announcementsPending > 0 ? `${announcementsPending} of its announcements are not sent yet` : '',
  ].filter(Boolean);
  return `the previous rollout of ${endpointName} is ${phase} but ${owed.join(' and ')}; the tick finishes that within minutes, then start again`;
}

/** A start refused while the previous rollout's endpoint change (retirement, clean-up) is due or under way. */
export function previousChangeUnfinished(
  endpointName: string,
  phase: Phase,
  change: string,
  dueAt: string | null,
): string {
  const when = dueAt ? `is due at ${dueAt}` : 'is under way';
  return `the previous rollout of ${endpointName} is ${phase} and its ${change} ${when}; start again once the endpoint is ready (rollout-watchdog status ${endpointName} shows it)`;
}

/** A start from a model name whose canary variant already runs another model. */
export function canaryVariantTaken(
  endpointName: string,
  canaryVariant: string,
  running: string,
  wanted: string,
): string {
  return `variant ${canaryVariant} of ${endpointName} already runs model ${running}, not ${wanted}; remove it first (a rollback or abort removes it after the policy's clean-up delay) or start without --model to watch it`;
}

/** Added to a start's refusal when only the canary variant is missing: the start can deploy it. */
export const DEPLOY_CANARY_HINT =
  'to deploy the canary variant from a model, start with --model MODEL_NAME (API body: "model")';

/** A start from a model name that does not exist in the endpoint's region. */
export function modelNotFound(model: string, region: string): string {
  return `model ${model} does not exist in ${region}; create it (aws sagemaker create-model) and start again`;
}

/** The canary of a start from a model is still being deployed: only abort and rollback apply yet. */
export function canaryStillDeploying(endpointName: string, command: string): string {
  return `cannot ${command}: the canary of ${endpointName} is still being deployed and its steps have not begun; abort or rollback stop it now`;
}

/** A rollback of a promoted rollout whose baseline is gone or going. */
export function baselineNotHeld(endpointName: string, why: string): string {
  return `cannot rollback: the rollout of ${endpointName} is Promoted and ${why}; start a rollout of the previous model to go back`;
}

/** A start refused while another rollout of the endpoint is under way (`step` 0-based). */
export function rolloutUnderWay(
  endpointName: string,
  phase: Phase,
  step: number,
  steps: number,
  canaryWeight: number,
): string {
  return `a rollout of ${endpointName} is ${phase} (step ${step + 1}/${steps}, canary ${canaryWeight}%); abort or finish it first`;
}

/** How a refused start is overridden, in the words of the CLI (the API's body takes the same two fields). */
function overrideHint(endpointName: string): string {
  return `to start anyway, say why: rollout-watchdog start ${endpointName} --force --reason TEXT (API: "force": true with a "reason")`;
}

function listNames(names: ReadonlyArray<string>): string {
  return names.join(', ');
}

/**
 * A start refused by the alarm check: alarms the policy names that are in ALARM, or that do not
 * exist in `region`. The error, and one problem an alarm.
 */
export function alarmsForbidStart(
  endpointName: string,
  region: string,
  firing: ReadonlyArray<string>,
  missing: ReadonlyArray<string>,
): { error: string; problems: string[] } {
  const why = [
    firing.length > 0
      ? `alarm(s) ${listNames(firing)} already in ALARM: a canary started now would be rolled back, or blamed, for a fault it did not cause`
      : '',
    missing.length > 0
      ? `alarm(s) ${listNames(missing)} do not exist in ${region}: the rollout would never be rolled back on them (create them or fix the policy's rollback.onAlarms)`
      : '',
  ].filter(Boolean);
  return {
    error: `start of ${endpointName} refused: ${why.join('; ')}. ${overrideHint(endpointName)}`,
    problems: [
      ...firing.map((name) => `alarm ${name} is in ALARM`),
      ...missing.map((name) => `alarm ${name} does not exist in ${region}`),
    ],
  };
}

/** A start refused because CloudWatch could not tell the states of the alarms the policy names (fail closed). */
export function alarmStatesUnreadable(
  endpointName: string,
  region: string,
  alarmNames: ReadonlyArray<string>,
  error: string,
): string {
  return `start of ${endpointName} refused: cannot read the states of alarm(s) ${listNames(alarmNames)} in ${region} (${error}); a start is not made blind to a firing alarm. Try again, or ${overrideHint(endpointName)}`;
}

/** `force` without a reason: the override is recorded with its reason, so there must be one. */
export const FORCE_NEEDS_REASON = 'required with force: say why the alarm check is overridden';

/**
 * What a forced start adds to its reason (history and notification): what the alarm check found,
 * that the operator overrode it, and why. `unreadable`: why the states could not be read.
 */
export function alarmCheckOverridden(
  found: { firing: ReadonlyArray<string>; missing: ReadonlyArray<string>; unreadable?: string },
  operator: string,
  reason: string,
): string {
  const what = [
    found.firing.length > 0 ? `alarm(s) ${listNames(found.firing)} in ALARM` : '',
    found.missing.length > 0 ? `alarm(s) ${listNames(found.missing)} missing` : '',
    found.unreadable ? `alarm states unreadable (${found.unreadable})` : '',
  ].filter(Boolean);
  return `alarm check overridden by ${operator} (${what.join(', ')}): ${reason}`;
}

/** A start from a model where this deployment has no access to endpoint configs. */
export function lifecycleUnavailable(endpointName: string): string {
  return `cannot deploy a canary on ${endpointName}: this control API has no access to endpoint configs`;
}

/** The reason recorded when an operator retries a failed endpoint change. */
export function retryReason(change: EndpointChange, operator: string, reason?: string): string {
  return `Resumed by ${operator}: the ${describeChangeKind(change.kind)} is tried again (attempt ${change.attempt + 1})${reason ? `: ${reason}` : ''}`;
}

/** Said in a start's reason when it cancelled the previous rollout's canary clean-up. */
export function cancelledCleanUp(dueAt: string): string {
  return `the previous rollout's canary clean-up, due at ${dueAt}, is cancelled: this rollout uses the canary variant`;
}
