import type { AlarmStateValue } from '../domain/types';

export interface AlarmStatesRead {
  /** State per alarm name; alarms that do not exist are absent. */
  states: Map<string, AlarmStateValue>;
  /** Calls made to read them. */
  calls: number;
}

/**
 * Current states of the alarms the active policies name, for the tick: an alarm whose
 * state-change event was lost still rolls back at the next tick.
 */
export interface AlarmStates {
  read(alarmNames: Iterable<string>): Promise<AlarmStatesRead>;
}
