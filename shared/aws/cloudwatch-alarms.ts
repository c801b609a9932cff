import { type CloudWatchClient, paginateDescribeAlarms } from '@aws-sdk/client-cloudwatch';
import type { AlarmStateValue } from '../domain/types';
import type { AlarmStates, AlarmStatesRead } from '../ports/alarm-states';

/** DescribeAlarms' limit of alarm names per call (AWS). Names. */
export const MAX_ALARM_NAMES_PER_CALL = 100;

const STATES: ReadonlySet<string> = new Set(['OK', 'ALARM', 'INSUFFICIENT_DATA']);

/**
 * Current states of the alarms the active policies name, read in calls of at most 100 names.
 * The tick feeds them to the engine so that an alarm whose state-change event was lost (all
 * EventBridge retries spent) still rolls back at the next tick; the engine acts on transitions
 * into ALARM only, so an event already handled is not acted on twice.
 */
export class CloudWatchAlarmStates implements AlarmStates {
  constructor(private readonly client: CloudWatchClient) {}

  async read(alarmNames: Iterable<string>): Promise<AlarmStatesRead> {
    const names = [...new Set(alarmNames)];
    const states = new Map<string, AlarmStateValue>();
    let calls = 0;
    for (let i = 0; i < names.length; i += MAX_ALARM_NAMES_PER_CALL) {
      const chunk = names.slice(i, i + MAX_ALARM_NAMES_PER_CALL);
      const pages = paginateDescribeAlarms(
        { client: this.client },
        { AlarmNames: chunk, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: 100 },
      );
      for await (const page of pages) {
        calls++;
        for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
          if (alarm.AlarmName && alarm.StateValue && STATES.has(alarm.StateValue))
            states.set(alarm.AlarmName, alarm.StateValue as AlarmStateValue);
        }
      }
    }
    return { states, calls };
  }
}
