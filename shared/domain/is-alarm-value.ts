import type { AlarmStateValue } from './types';

/** True for the three states CloudWatch gives an alarm; anything else in a tick's input is no state at all. */
export const isAlarmValue = (value: unknown): value is AlarmStateValue =>
  value === 'OK' || value === 'ALARM' || value === 'INSUFFICIENT_DATA';
