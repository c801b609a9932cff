import type {
  AlarmEffectCause,
  DecisionCause,
  NextStop,
  ShadowCause,
  ShadowStart,
  StepCompletion,
  StepJudgement,
  StepRef,
  TickNote,
} from '../domain/decision-cause';
import type { Evidence, PauseCause, Verdict } from '../domain/types';
import { describeStep } from './describe-step';
import { formatCount, formatDuration, formatTime } from './format-values';

/**
 * The words of every engine decision: `describeDecision` turns a decision's typed cause and its
 * evidence into the one-line `reason` that history, notifications, the CLI and `replay` print.
 * The engine calls it when it decides, so a reason is always the wording of its cause.
 */
export function describeDecision(cause: DecisionCause, evidence: Evidence): string {
  switch (cause.kind) {
    case 'started': {
      const by = cause.operator ? ` (by ${cause.operator}${cause.reason ? `: ${cause.reason}` : ''})` : '';
      if (cause.shadow) return `${describeShadowStart(cause.shadow)}${by}`;
      if (cause.gate) return `${describeGatedStart(cause.gate)}${by}`;
      return `rollout started: canary ${cause.canaryWeight}%; ${startNext(cause.next)}${by}`;
    }
    case 'input-ignored':
      return `rollout already ${cause.phase}; input ignored`;
    case 'stale-input':
      return `stale input: ${cause.stalePeriods} period(s) older than the window of the last period (${formatTime(
        cause.lastPeriodTime,
      )}) ignored; nothing changed`;
    case 'alarm-rollback':
    case 'alarm-staged':
    case 'alarm-already-staged':
      return describeAlarmEffect(cause);
    case 'alarm-ignored':
      return describeAlarmIgnored(cause);
    case 'alarm-recorded':
      return `alarm ${cause.alarmName} is ${cause.state}${
        cause.state === 'INSUFFICIENT_DATA' ? ' (neither healthy nor breaching)' : ''
      }; nothing to do`;
    case 'not-due':
      return `${notesPrefix(cause.notes)}next judgement at ${formatTime(cause.nextJudgementAt)}`;
    case 'metric-failed': {
      const why = cause.metrics
        .map((failed) => metricReason(evidence, failed.metric) ?? `${failed.metric} failing`)
        .join('; ');
      return `${notesPrefix(cause.notes)}rolled back: ${why}; ${trafficNote(evidence)}`;
    }
    case 'staged-rollback': {
      const why =
        cause.stillAlarming.length > 0
          ? `alarm ${cause.stillAlarming.join(', ')} still in ALARM`
          : metricReasons(evidence, 'fail');
      return `${notesPrefix(cause.notes)}rolled back after the staged observation for ${cause.alarmName}: ${why}; ${trafficNote(evidence)}`;
    }
    case 'staged-restored':
      return `${notesPrefix(cause.notes)}staged rollback for ${cause.alarmName} ended: alarm no longer in ALARM and no metric failing; canary ${cause.fromWeight}% -> ${cause.toWeight}%; ${trafficNote(evidence)}`;
    case 'staged-observing':
      return `${notesPrefix(cause.notes)}staged rollback for ${cause.alarmName}: observing at ${
        cause.canaryWeight
      }% until ${formatTime(cause.observeUntil)}; ${metricReasons(evidence, 'all')}; ${trafficNote(evidence)}`;
    case 'paused': {
      const why = describePauseCause(cause.pauseCause, describeStepRef(cause.at));
      return `${notesPrefix(cause.notes)}paused ${why}: waiting for resume, promote, abort or rollback; ${
        cause.verdict
      }: ${metricReasons(evidence, 'all')}; ${trafficNote(evidence)}`;
    }
    case 'failing':
      return `${notesPrefix(cause.notes)}holding, failing: ${metricReasons(evidence, 'fail')}; ${trafficNote(evidence)}`;
    case 'inconclusive': {
      const reasons = metricReasons(evidence, 'inconclusive');
      return cause.paused
        ? `${notesPrefix(cause.notes)}paused: ${cause.count} inconclusive judgements in a row (limit ${cause.limit}): ${reasons}; a person should check the traffic, then resume, promote or abort`
        : `${notesPrefix(cause.notes)}inconclusive (${cause.count}/${cause.limit} in a row), not advancing: ${reasons}; ${trafficNote(evidence)}`;
    }
    case 'manual-pause-reached':
      return `${notesPrefix(cause.notes)}waiting at ${describeStepRef(cause.at)} for an operator`;
    case 'step':
      return `${notesPrefix(cause.notes)}${describeStepRef(cause.at)}: ${formatDuration(
        cause.elapsedSeconds,
      )} of ${formatDuration(cause.durationSeconds)} elapsed; ${passing(cause.judgement, evidence)}`;
    case 'advanced': {
      const moved =
        cause.fromWeight !== cause.toWeight
          ? `canary ${cause.fromWeight}% -> ${cause.toWeight}%`
          : 'advanced';
      const then =
        cause.next.kind === 'manual-pause'
          ? `waiting at ${describeStepRef(cause.next.at)} for an operator to resume or promote`
          : `now ${describeStepRef(cause.next.at)}`;
      return `${moved}: ${completion(cause.notes, cause.completed, cause.judgement, evidence)}; ${then}`;
    }
    case 'promoted':
      return cause.completed.kind === 'all-steps'
        ? `${notesPrefix(cause.notes)}promoted: all steps complete and ${passing(cause.judgement, evidence)}`
        : `promoted: ${completion(cause.notes, cause.completed, cause.judgement, evidence)}`;
    case 'gate-held':
    case 'gate-failed':
    case 'gate-passed':
      return describeGateDecision(cause, evidence);
    case 'command':
      return describeCommand(cause);
    case 'shadow-judged':
    case 'shadow-failed':
    case 'shadow-passed':
    case 'shadow-canary-ready':
      return describeShadowDecision(cause, evidence);
  }
}

/** `rollout started as a shadow: 20% of requests copied ...`: a start with a shadow phase. */
export function describeShadowStart(shadow: ShadowStart): string {
  return `rollout started as a shadow: ${shadow.samplingPercent}% of production requests copied to the new model, which answers nobody, for ${formatDuration(
    shadow.durationSeconds,
  )} (until ${formatTime(shadow.until)}); canary 0%, then ${shadow.firstWeight}% if the shadow passes`;
}

/** `shadow 812 req (copies), baseline 14,103 req`: the sample sizes of a shadow's judgement. */
function shadowTrafficNote(evidence: Evidence): string {
  return `shadow ${formatCount(evidence.canary.invocations)} req (copies), baseline ${formatCount(evidence.baseline.invocations)} req`;
}

function describeShadowDecision(cause: ShadowCause, evidence: Evidence): string {
  switch (cause.kind) {
    case 'shadow-judged': {
      const where = `shadow (${cause.samplingPercent}% of requests copied, answering nobody)`;
      const judged =
        cause.verdict === 'pass'
          ? `all metrics pass (${metricReasons(evidence, 'pass')})`
          : cause.verdict === 'fail'
            ? `failing: ${metricReasons(evidence, 'fail')}`
            : `inconclusive (${cause.inconclusive.count}/${cause.inconclusive.limit} in a row): ${metricReasons(evidence, 'inconclusive')}`;
      if (cause.pausedNow)
        return `${notesPrefix(cause.notes)}${where} paused: ${cause.inconclusive.count} inconclusive judgements in a row (limit ${cause.inconclusive.limit}): ${metricReasons(evidence, 'inconclusive')}; a person should check the traffic, then resume or abort`;
      if (cause.pauseCause !== null)
        return `${notesPrefix(cause.notes)}${where} paused ${describePauseCause(cause.pauseCause, 'the shadow')}: still judged, not passed until resumed; ${judged}; ${shadowTrafficNote(evidence)}`;
      const timing =
        cause.elapsedSeconds >= cause.durationSeconds
          ? `${formatDuration(cause.durationSeconds)} done, waiting for a passing judgement`
          : `${formatDuration(cause.elapsedSeconds)} of ${formatDuration(cause.durationSeconds)} elapsed`;
      return `${notesPrefix(cause.notes)}${where}: ${timing}; ${judged}; ${shadowTrafficNote(evidence)}`;
    }
    case 'shadow-failed': {
      const why = cause.alarmName
        ? `alarm ${cause.alarmName} entered ALARM`
        : cause.metrics
            .map((failed) => metricReason(evidence, failed.metric) ?? `${failed.metric} failing`)
            .join('; ');
      return `${notesPrefix(cause.notes)}shadow failed, rolled back: ${why}; the shadow is removed and no user request was answered by the new model (canary 0% throughout); ${shadowTrafficNote(evidence)}`;
    }
    case 'shadow-passed':
      return `${notesPrefix(cause.notes)}shadow passed: ${formatDuration(cause.durationSeconds)} on ${
        cause.samplingPercent
      }% of requests copied and all metrics pass (${metricReasons(evidence, 'pass')}); ${shadowTrafficNote(
        evidence,
      )}; ${
        cause.deployFirst
          ? `its model is deployed as the canary variant first (at 0%), then canary 0% -> ${cause.toWeight}%, judged on its own traffic`
          : `canary 0% -> ${cause.toWeight}%, judged on its own traffic from now`
      }; ${startNext(cause.next)}`;
    case 'shadow-canary-ready':
      return `the shadow's model now serves as the canary: canary 0% -> ${cause.toWeight}%; ${startNext(cause.next)}`;
  }
}

function describeAlarmIgnored(cause: Extract<DecisionCause, { kind: 'alarm-ignored' }>): string {
  switch (cause.ignored) {
    case 'rollout-final':
      return `rollout already ${cause.phase}; alarm ${cause.alarmName} ${cause.state} ignored`;
    case 'not-in-policy':
      return `alarm ${cause.alarmName} is not named by the policy; ignored`;
    case 'unknown-state':
      return `alarm ${cause.alarmName}: unknown state ${cause.state}; ignored`;
    case 'unchanged':
      return `alarm ${cause.alarmName} already ${cause.state}; nothing to do`;
  }
}

/**
 * Why a rollout is paused: `at <step>` (a pause without duration), `after too many inconclusive
 * judgements`, or `by an operator`. `at` is where it waits, in words.
 */
export function describePauseCause(pauseCause: PauseCause | null, at: string): string {
  if (pauseCause === 'step') return `at ${at}`;
  if (pauseCause === 'endpoint') return 'because an endpoint change failed';
  if (pauseCause === 'gate') return 'because a gate said no too many times in a row';
  return pauseCause === 'inconclusive' ? 'after too many inconclusive judgements' : 'by an operator';
}

/** What an alarm entering ALARM did, in words (a decision's reason, or a note before one). */
export function describeAlarmEffect(effect: AlarmEffectCause): string {
  switch (effect.kind) {
    case 'alarm-rollback':
      return `alarm ${effect.alarmName} entered ALARM: rolled back at once (canary ${effect.fromWeight}% -> 0%)`;
    case 'alarm-staged':
      return `alarm ${effect.alarmName} entered ALARM: staged rollback, canary ${effect.fromWeight}% -> ${
        effect.toWeight
      }%, observing for ${formatDuration(effect.observeSeconds)} (until ${formatTime(effect.observeUntil)})`;
    case 'alarm-already-staged':
      return `alarm ${effect.alarmName} entered ALARM during the staged rollback for ${effect.stagedFor}: already at half weight`;
  }
}

/** `step 2/6 (pause 10m)`, or `after step 6/6` once past the last: where a rollout is. */
export function describeStepRef(at: StepRef): string {
  const what = describeStep(at.step ?? undefined);
  return what === null ? `after step ${at.count}/${at.count}` : `step ${at.index + 1}/${at.count} (${what})`;
}

/** `canary 742 req, baseline 14,103 req`: the sample sizes every judgement's reason ends with. */
export function trafficNote(evidence: Evidence): string {
  return `canary ${formatCount(evidence.canary.invocations)} req, baseline ${formatCount(evidence.baseline.invocations)} req`;
}

function describeCommand(cause: Extract<DecisionCause, { kind: 'command' }>): string {
  const who = `by ${cause.operator ?? 'an operator'}`;
  const own = cause.reason ? ` (${cause.reason})` : '';
  switch (cause.command) {
    case 'pause':
      return `paused ${who}${own} at canary ${cause.fromWeight}%`;
    case 'resume':
      if (cause.gate) {
        return `resumed ${who}${own}: waiting at gate ${cause.gate.hooks.join(', ')} before ${cause.gate.nextWeight}% (asked at the next tick)`;
      }
      if (cause.next) {
        return `resumed ${who}${own}: canary ${cause.fromWeight}% -> ${cause.toWeight}%; ${resumeNext(cause.next)}`;
      }
      return `resumed ${who}${own}${cause.at ? ` at ${describeStepRef(cause.at)}` : ''}`;
    case 'promote':
      return `promoted ${who}${own}: remaining steps skipped, canary ${cause.fromWeight}% -> ${cause.toWeight}%`;
    case 'abort':
      return `aborted ${who}${own}: canary ${cause.fromWeight}% -> ${cause.toWeight}%`;
    case 'rollback':
      return `rolled back ${who}: ${cause.reason ?? ''}; canary ${cause.fromWeight}% -> ${cause.toWeight}%`;
  }
}

function startNext(next: NextStop): string {
  switch (next.kind) {
    case 'manual-pause':
      return `waiting at ${describeStepRef(next.at)} for an operator to resume or promote`;
    case 'step':
      return `next: ${describeStepRef(next.at)}`;
    case 'promotion':
      return 'next: promotion after a passing judgement';
  }
}

function resumeNext(next: NextStop): string {
  switch (next.kind) {
    case 'manual-pause':
      return `waiting at ${describeStepRef(next.at)} for an operator`;
    case 'step':
      return `now ${describeStepRef(next.at)}`;
    case 'promotion':
      return 'promotion follows the next passing judgement';
  }
}

function describeNote(note: TickNote): string {
  return note.kind === 'future-periods'
    ? `${note.count} period(s) after ${formatTime(note.now)} ignored`
    : describeAlarmEffect(note);
}

function notesPrefix(notes: ReadonlyArray<TickNote>): string {
  return notes.length > 0 ? `${notes.map(describeNote).join('; ')}; ` : '';
}

/** Why a step could complete: every metric passed (with their numbers), or nothing to judge at 0 %. */
function passing(judgement: StepJudgement, evidence: Evidence): string {
  return judgement === 'pass'
    ? `all metrics pass (${metricReasons(evidence, 'pass')}); ${trafficNote(evidence)}`
    : 'canary at 0%, nothing to judge';
}

function completion(
  notes: ReadonlyArray<TickNote>,
  completed: StepCompletion,
  judgement: StepJudgement,
  evidence: Evidence,
): string {
  const pause =
    completed.kind === 'pause' ? `pause ${formatDuration(completed.durationSeconds)} complete and ` : '';
  return `${notesPrefix(notes)}${pause}${passing(judgement, evidence)}`;
}

/** The evidence's own reasons of the metrics with `verdict` (every metric for `all`), in policy order. */
function metricReasons(evidence: Evidence, verdict: Verdict | 'all'): string {
  const parts: string[] = [];
  for (const metric of evidence.metrics) {
    if (verdict === 'all' || metric.verdict === verdict) parts.push(metric.reason);
  }
  return parts.join('; ');
}

function metricReason(evidence: Evidence, name: string): string | undefined {
  return evidence.metrics.find((metric) => metric.name === name)?.reason;
}

/** `before canary 5% -> 20%`, `before promotion`: the move a gate holds. */
function gateMove(fromWeight: number, nextWeight: number | null): string {
  return nextWeight === null ? 'promotion' : `canary ${fromWeight}% -> ${nextWeight}%`;
}

/** `rollout started: canary 0%, waiting at gate load-test before 5%`: a start held at its `beforeStart` gates. */
export function describeGatedStart(gate: { hooks: ReadonlyArray<string>; nextWeight: number }): string {
  return `rollout started: canary 0%, waiting at gate ${gate.hooks.join(', ')} before ${gate.nextWeight}% (asked at the next tick)`;
}

/** The words of a decision at a gate: held, failed into a rollback or a pause, or let go. */
function describeGateDecision(
  cause: Extract<DecisionCause, { kind: 'gate-held' | 'gate-failed' | 'gate-passed' }>,
  evidence: Evidence,
): string {
  if (cause.kind === 'gate-passed') {
    const after =
      cause.failures === 0
        ? ''
        : cause.failures === 1
          ? ' after 1 refusal'
          : ` after ${cause.failures} refusals`;
    const then =
      cause.then.kind === 'started'
        ? `canary 0% -> ${cause.then.canaryWeight}%; ${startNext(cause.then.next)}`
        : describeDecision(cause.then, evidence);
    return `gate ${cause.hooks.join(', ')} ${cause.failures === 0 ? 'allowed' : 'let go'}${after}; ${then}`;
  }
  const gate = `gate ${cause.hooks.join(', ')}`;
  const move = gateMove(cause.fromWeight, cause.nextWeight);
  if (cause.kind === 'gate-held')
    return `held at ${gate} before ${move} (${cause.failures} of ${cause.failureLimit} failures in a row): ${cause.reason}; asked again next minute`;
  const outcome =
    cause.onFailure === 'rollback'
      ? `rolled back (canary ${cause.fromWeight}% -> 0%)`
      : `paused at canary ${cause.fromWeight}% for a person (resume asks the gate again)`;
  return `${gate} said no ${cause.failures} times in a row (limit ${cause.failureLimit}) before ${move}: ${cause.reason}; ${outcome}`;
}
