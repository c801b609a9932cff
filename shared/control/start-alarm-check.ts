import type { RolloutPolicy } from '../domain/types';
import type { AlarmStates } from '../ports/alarm-states';
import { describeError } from '../watchdog/commit-transition';

/** What the start's alarm check found among the alarms the policy's `rollback.onAlarms` names. */
export type StartAlarmCheck =
  /** None in ALARM and none missing (or the policy names none: nothing is read). */
  | { status: 'clear' }
  /** Some in ALARM or missing: the start is refused unless forced. */
  | { status: 'refused'; firing: string[]; missing: string[] }
  /** CloudWatch could not be read: the start is refused unless forced (fail closed). */
  | { status: 'unreadable'; error: string };

/**
 * Reads the states of the alarms the policy names, in the endpoint's region, in one batched
 * DescribeAlarms. Decided by: an alarm in ALARM (a canary started under it would be rolled back,
 * or blamed, for a fault it did not cause) and an alarm that does not exist (a policy naming it
 * would never roll back). OK and INSUFFICIENT_DATA pass: a new alarm has no data yet.
 */
export async function checkStartAlarms(
  alarmStates: (region: string) => AlarmStates,
  policy: RolloutPolicy,
): Promise<StartAlarmCheck> {
  const names = startAlarmNames(policy);
  if (names.length === 0) return { status: 'clear' };
  let states: Map<string, string>;
  try {
    states = (await alarmStates(policy.endpoint.region).read(names)).states;
  } catch (error) {
    return { status: 'unreadable', error: describeError(error) };
  }
  const firing = names.filter((name) => states.get(name) === 'ALARM');
  const missing = names.filter((name) => !states.has(name));
  return firing.length > 0 || missing.length > 0
    ? { status: 'refused', firing, missing }
    : { status: 'clear' };
}

/** The alarms the policy names, each once, in the policy's order. */
export function startAlarmNames(policy: RolloutPolicy): string[] {
  return [...new Set(policy.rollback.onAlarms.map((alarm) => alarm.alarmName))];
}
