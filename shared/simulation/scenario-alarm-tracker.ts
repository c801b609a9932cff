/**
 * The scenario's CloudWatch alarms, evaluated minute by minute on the simulated variant
 * statistics as CloudWatch would (missing data as missing unless the alarm says otherwise), so
 * replay lines carry the alarm states a real endpoint's alarms would have.
 */
import type { AlarmStateValue } from '../domain/types';
import { type AlarmDatapoint, type AlarmEvaluation, evaluateAlarm } from './evaluate-alarm';
import type { Scenario, ScenarioAlarm } from './scenario-schema';
import type { SimulatedMinute } from './scenario-simulator';
import { variantStatistic } from './variant-statistic';

export interface ScenarioAlarmTracker {
  /**
   * Feeds the next minute (minutes must come in order; `periodStartMs` is the minute's start,
   * epoch ms) and returns every alarm's state after evaluating it.
   */
  observe(minute: SimulatedMinute, periodStartMs: number): Record<string, AlarmStateValue>;
  /** The latest evaluation of each alarm (state, AWS-style reason, reasonData). */
  evaluations(): Readonly<Record<string, AlarmEvaluation>>;
}

/** The alarm's datapoint for one simulated minute: none in a data gap or without traffic. */
export function alarmDatapointOf(alarm: ScenarioAlarm, minute: SimulatedMinute): number | null {
  if (minute.dataGap) return null;
  const variant = minute.variants[alarm.variant];
  return variant ? variantStatistic(variant, alarm.metric, alarm.statistic) : null;
}

/** Creates a tracker for `scenario.alarms`; every alarm starts in INSUFFICIENT_DATA, as a new alarm does. */
export function createScenarioAlarmTracker(scenario: Scenario): ScenarioAlarmTracker {
  const history = new Map<string, AlarmDatapoint[]>();
  const states: Record<string, AlarmStateValue> = {};
  const latest: Record<string, AlarmEvaluation> = {};
  for (const alarm of scenario.alarms) {
    history.set(alarm.name, []);
    states[alarm.name] = 'INSUFFICIENT_DATA';
  }
  return {
    observe(minute, periodStartMs) {
      for (const alarm of scenario.alarms) {
        const points = history.get(alarm.name) ?? [];
        points.push({ timestamp: periodStartMs, value: alarmDatapointOf(alarm, minute) });
        if (points.length > alarm.evaluationPeriods) points.shift();
        const evaluation = evaluateAlarm({ ...alarm, period: scenario.periodSeconds }, points, {
          currentState: states[alarm.name] ?? 'INSUFFICIENT_DATA',
          now: periodStartMs + scenario.periodSeconds * 1000,
        });
        states[alarm.name] = evaluation.state;
        latest[alarm.name] = evaluation;
      }
      return { ...states };
    },
    evaluations: () => latest,
  };
}
