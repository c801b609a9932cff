/**
 * The one definition of "time to detect" a regression, shared by `rollout-watchdog simulate`,
 * the scenario tests' score table and the `npm start` demo (see "Judging a run" in
 * `scenarios/README.md`).
 */

/** What time to detect is computed from. Minute indices count the scenario's periods. */
export interface TimeToDetectInput {
  /**
   * The scenario's `expect.regressionFromMinute`: index of the first minute in which the canary
   * is worse. Null or undefined for a healthy canary.
   */
  regressionFromMinute: number | null | undefined;
  /**
   * Index of the minute whose decision was the rollback: the minute whose data the rollback was
   * decided on (by the tick's judgement or by an alarm), the decision being made at that minute's
   * end. Null or undefined when the rollout was never rolled back.
   */
  rollbackMinute: number | null | undefined;
  /** Length of one scenario minute, seconds (a scenario's `periodSeconds`). Default 60. */
  periodSeconds?: number;
}

/**
 * Time to detect, in minutes: from the start of minute `regressionFromMinute` to the rollback
 * decision, which is made at the end of minute `rollbackMinute`.
 *
 * Minutes are 0-based indices from the start of the rollout: minute `m` is the m-th period
 * (`periodSeconds` long) after the start, so it begins `m` periods and ends `m + 1` periods after
 * the start. The time to detect is therefore `(rollbackMinute + 1 - regressionFromMinute)` periods,
 * converted to minutes: a rollback decided at the end of the first bad minute scores 1, at the end
 * of the second bad minute 2. Zero or negative when the rollback was decided before the
 * regression began (luck, not detection). Null without a regression or without a rollback.
 */
export function timeToDetectMinutes(input: TimeToDetectInput): number | null {
  const { regressionFromMinute, rollbackMinute } = input;
  if (regressionFromMinute === null || regressionFromMinute === undefined) return null;
  if (rollbackMinute === null || rollbackMinute === undefined) return null;
  const minutesPerPeriod = (input.periodSeconds ?? 60) / 60;
  return (rollbackMinute + 1 - regressionFromMinute) * minutesPerPeriod;
}
