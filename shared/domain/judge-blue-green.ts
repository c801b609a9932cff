import type { FailedMetric } from './decision-cause';
import { evaluateWindow } from './evaluate-window';
import { failedMetrics } from './failed-metrics';
import { emptyEvidence } from './make-decision';
import { mergePeriods } from './merge-periods';
import type { Evidence, PeriodObservation, RolloutPolicy, RolloutState, Verdict } from './types';

/** One tick's judgement of the green fleet against the blue one. */
export interface BlueGreenJudgement {
  /** The state with the window, its newest period and the metrics' counters moved on (nothing else). */
  state: RolloutState;
  /** False when nothing was judged this tick (interval not due, or only stale periods). */
  judged: boolean;
  /** Worst verdict over the metrics; `inconclusive` when not judged. */
  verdict: Verdict;
  /** Metrics whose failing judgements in a row reached their failureLimit: the verdict fails. */
  failed: FailedMetric[];
  evidence: Evidence;
}

/**
 * Judges SageMaker's new (green) fleet against the old (blue) one with the policy's analysis, as
 * a canary is judged against its baseline: the periods carry the green fleet under the policy's
 * canary variant name and the blue fleet under its baseline variant name (the metrics reader reads
 * them per endpoint config). A metric whose failing judgements in a row reach its failureLimit
 * fails the verdict: the watchdog then asks SageMaker to roll back. An inconclusive judgement
 * never stops SageMaker's deployment (its routing runs on its own clock), so it only waits.
 *
 * Inputs that drive it: the policy's analysis (interval, window, metrics, minCanaryInvocations),
 * the state's window, newest period and counters, the tick's `periods`, and `now` (epoch ms).
 */
export function judgeBlueGreen(
  policy: RolloutPolicy,
  state: RolloutState,
  periods: ReadonlyArray<PeriodObservation>,
  now: number,
): BlueGreenJudgement {
  const merge = mergePeriods(policy, state.recent, state.lastPeriodTime, periods, now);
  const next: RolloutState = { ...state, recent: merge.recent, lastPeriodTime: merge.lastPeriodTime };
  const intervalMs = policy.analysis.intervalSeconds * 1000;
  const notDue = state.lastJudgedAt !== null && now - state.lastJudgedAt < intervalMs;
  if ((merge.accepted === 0 && merge.stale > 0) || notDue) {
    const evidence =
      next.recent.length > 0
        ? evaluateWindow(policy, next.recent, next.consecutiveFailures, now, false).evidence
        : emptyEvidence();
    return { state: next, judged: false, verdict: 'inconclusive', failed: [], evidence };
  }
  const judgement = evaluateWindow(policy, next.recent, next.consecutiveFailures, now);
  next.consecutiveFailures = judgement.consecutiveFailures;
  next.lastJudgedAt = now;
  next.consecutiveInconclusive = judgement.verdict === 'inconclusive' ? next.consecutiveInconclusive + 1 : 0;
  const failed: FailedMetric[] = failedMetrics(policy, judgement.breached);
  return { state: next, judged: true, verdict: judgement.verdict, failed, evidence: judgement.evidence };
}
