import type { Severity } from '../notify/notification';
import type { RegionSyncItem } from '../watchdog/region-sync-types';

/**
 * The words of the cross-region ladder. Every notification names the region, the model it is
 * taking and what happens next, so whoever reads one message alone knows where the ladder stands.
 */

/** Something that happened to one region of a ladder (announced and written to the history). */
export type LadderEventKind =
  | 'deploying'
  | 'baking'
  | 'canary-step'
  | 'canary-promoted'
  | 'canary-failed'
  | 'done'
  | 'bake-failed'
  | 'rolled-back'
  | 'halted'
  | 'paused'
  | 'resumed'
  | 'aborted'
  | 'promoted'
  | 'drift'
  | 'drift-repairing'
  | 'drift-repaired'
  | 'failover'
  | 'failed'
  | 'unmapped';

export interface LadderEvent {
  kind: LadderEventKind;
  item: RegionSyncItem;
  /** The next region of the ladder, when there is one. */
  next?: RegionSyncItem | null;
  /** Extra words: the bake's summary, the drift, the primary's failure, the operator. */
  detail?: string;
}

export interface LadderWording {
  reason: string;
  next: string;
  severity: Severity;
}

const where = (item: RegionSyncItem) => `${item.targetEndpointName} (${item.region})`;
const model = (item: RegionSyncItem) => item.identity.modelName;
const minutes = (seconds: number) => (seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`);

/** What comes after `item` on the ladder, in words. */
function then(event: LadderEvent): string {
  const next = event.next;
  return next
    ? `Then ${next.region} (${next.targetEndpointName}) takes ${model(next)}.`
    : `It is the last region of the ladder of ${event.item.endpointName}.`;
}

/** Reason, next step and severity of a ladder event. */
export function describeLadderEvent(event: LadderEvent): LadderWording {
  const { item } = event;
  const detail = event.detail ? ` ${event.detail}` : '';
  switch (event.kind) {
    case 'deploying':
      return {
        reason: `Region ladder: ${where(item)} is taking the promoted model ${model(item)} of ${item.endpointName} (replacing config ${item.replacedConfig ?? '(none)'}).`,
        next: `Once it is InService it bakes for ${minutes(item.bakeSeconds ?? 0)} on its own metrics. ${then(event)}`,
        severity: 'info',
      };
    case 'baking':
      return {
        reason: `Region ladder: ${where(item)} runs ${model(item)} and is InService; its bake has begun.`,
        next: `It is judged on its own metrics until ${item.bake?.until ?? '?'}; if it fails it goes back to ${item.replacedConfig ?? 'its previous config'} and the ladder halts. ${then(event)}`,
        severity: 'info',
      };
    case 'canary-step': {
      const canary = item.canary;
      const state = canary?.state;
      return {
        reason: `Region ladder: ${where(item)} runs ${model(item)} as a canary of its own at ${state?.canaryWeight ?? 0}% beside ${canary?.baselineVariant ?? 'what it ran'} (step ${Math.min((state?.stepIndex ?? 0) + 1, item.steps?.length ?? 1)} of ${item.steps?.length ?? 0}).${detail}`,
        next: `It is judged on its own metrics against ${canary?.baselineVariant ?? 'its baseline'} and follows its steps; after the last one it takes ${model(item)} alone, then bakes. If it fails it goes back to ${item.replacedConfig ?? 'its previous config'} and the ladder halts. ${then(event)}`,
        severity: 'info',
      };
    }
    case 'canary-promoted':
      return {
        reason: `Region ladder: the canary of ${model(item)} in ${where(item)} passed its steps; ${item.region} now takes it alone (config ${item.targetEndpointConfigName ?? 'the copy'}).${detail}`,
        next: `Once it is InService it bakes for ${minutes(item.bakeSeconds ?? 0)}. ${then(event)}`,
        severity: 'info',
      };
    case 'canary-failed':
      return {
        reason: `Region ladder: the canary of ${model(item)} in ${where(item)} was rolled back.${detail}`,
        next: `${item.region} goes back to its previous config ${item.replacedConfig ?? '(none)'}; the regions after it do not take ${model(item)}; regions already done keep it.`,
        severity: 'critical',
      };
    case 'done':
      return {
        reason: `Region ladder: ${where(item)} runs ${model(item)}: ${bakeOutcome(item)}.${detail}`,
        next: event.next
          ? `${event.next.region} (${event.next.targetEndpointName}) takes ${model(event.next)} now. ${item.region} is checked for drift every scheduled run.`
          : `Every region of ${item.endpointName} runs ${model(item)}; each is checked for drift every scheduled run.`,
        severity: 'info',
      };
    case 'bake-failed':
      return {
        reason: `Region ladder: the bake of ${model(item)} in ${where(item)} failed: ${item.bake?.summary ?? 'no summary'}.`,
        next: `${item.region} goes back to its previous config ${item.replacedConfig ?? '(none)'}; the regions after it do not take ${model(item)}; regions already done keep it.`,
        severity: 'critical',
      };
    case 'rolled-back':
      return {
        reason: `Region ladder: ${where(item)} is back on ${item.replacedConfig ?? 'its previous config'} (${item.stopReason ?? 'rolled back'}); it no longer runs ${model(item)}.`,
        next: `The ladder of ${item.endpointName} is halted: ${event.next ? `${event.next.region} and the regions after it keep` : 'no region after it takes'} what they run. Promote again once ${model(item)} is fixed.`,
        severity: 'warning',
      };
    case 'halted':
      return {
        reason: `Region ladder: ${where(item)} will not take ${model(item)}: ${item.stopReason ?? 'a region before it rolled back'}.`,
        next: `${item.region} keeps what it runs. A new promotion starts a new ladder.`,
        severity: 'warning',
      };
    case 'paused':
      return {
        reason: `Region ladder of ${item.endpointName} paused at ${where(item)} (model ${model(item)})${detail}.`,
        next: `No region takes ${model(item)} until resume; a baking region is still judged and goes back if it fails.`,
        severity: 'info',
      };
    case 'resumed':
      return {
        reason: `Region ladder of ${item.endpointName} resumed at ${where(item)} (model ${model(item)})${detail}.`,
        next: `The next scheduled run carries on with ${item.region}. ${then(event)}`,
        severity: 'info',
      };
    case 'aborted':
      return {
        reason: `Region ladder of ${item.endpointName} aborted at ${where(item)} (model ${model(item)})${detail}.`,
        next: `${item.region} goes back to ${item.replacedConfig ?? 'its previous config'} if it had taken the model; the regions after it keep what they run; regions already done keep ${model(item)}.`,
        severity: 'warning',
      };
    case 'promoted':
      return {
        reason: `Region ladder of ${item.endpointName} promoted at ${where(item)} (model ${model(item)})${detail}: the remaining bakes are skipped.`,
        next: `The regions still to go take ${model(item)} one at a time, each once the one before is InService.`,
        severity: 'info',
      };
    case 'drift':
      return {
        reason: `Region drift: ${item.drift ?? where(item)}. It should run the promoted model ${model(item)}.`,
        next: item.repairDrift
          ? `The policy repairs drift in ${item.region}: the watchdog puts ${item.targetEndpointName} back on ${item.targetEndpointConfigName ?? 'the promoted copy'}.`
          : `The watchdog does not revert it (regions[].repairDrift is off). Promote anew, set repairDrift, or leave it if the change was intended.`,
        severity: 'warning',
      };
    case 'drift-repairing':
      return {
        reason: `Region drift repair: ${where(item)} is going back to ${item.targetEndpointConfigName ?? 'the promoted copy'} (model ${model(item)}).`,
        next: `The next scheduled run checks that it runs ${model(item)} again.`,
        severity: 'info',
      };
    case 'drift-repaired':
      return {
        reason: `Region drift repaired: ${where(item)} runs the promoted model ${model(item)} again.`,
        next: `Nothing; ${item.region} is checked for drift every scheduled run.`,
        severity: 'info',
      };
    case 'failover':
      return {
        reason: `Failover: the primary endpoint ${item.endpointName} (${item.identity.sourceRegion}) is failing${detail}; ${where(item)} is InService on the promoted model ${model(item)}, with no drift.`,
        next: `Fail over to ${item.region}: point your clients or DNS at ${item.targetEndpointName} in ${item.region}. The watchdog does not move traffic itself.`,
        severity: 'critical',
      };
    case 'failed':
      return {
        reason: `Region ladder: ${where(item)} could not take ${model(item)} (attempt ${item.attempts}): ${item.lastError ?? 'unknown error'}.`,
        next: `The next scheduled run resumes ${item.region} where it stopped (up to 20 attempts); the regions after it wait; regions already done keep ${model(item)}. The primary endpoint is not affected.`,
        severity: 'warning',
      };
    case 'unmapped':
      return {
        reason: `Region ladder: ${where(item)} cannot take ${model(item)}: ${item.artifactProblem ?? 'no artifact mapping'}.`,
        next: `The ladder waits at ${item.region}. Add the mapping to the policy and promote again (validate lists what is missing).`,
        severity: 'critical',
      };
  }
}

function bakeOutcome(item: RegionSyncItem): string {
  const bake = item.bake;
  if (!bake || bake.verdict === 'skipped')
    return item.skipBake ? 'its bake was skipped by a promote' : 'no bake was asked for';
  if (bake.verdict === 'no-traffic')
    return `its bake ended without enough traffic to judge (${bake.summary}); it went on unjudged`;
  return `its bake passed (${bake.summary})`;
}
