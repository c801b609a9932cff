/**
 * The sandbox's CloudWatch: the metric store, GetMetricData/PutMetricData and metric alarms
 * behind one `ServiceEmulation` (AWS JSON 1.0, target prefix `GraniteServiceVersion20100801`,
 * signing name `monitoring`). Alarms are evaluated as each period closes on the sandbox clock.
 */
import type { SandboxClock } from '../../clock';
import type { EventBus } from '../../event-bus';
import type { ServiceEmulation } from '../../service';
import { type Alarms, createAlarms, type PublishToSns } from './alarms';
import { getMetricData } from './get-metric-data';
import { createMetricStore, type MetricStore } from './metric-store';
import { putMetricData } from './put-metric-data';

/** The `X-Amz-Target` prefix current CloudWatch clients send (`GraniteServiceVersion20100801.GetMetricData`). */
export const CLOUDWATCH_TARGET_PREFIX = 'GraniteServiceVersion20100801';

export interface CloudWatchOptions {
  clock: Pick<SandboxClock, 'now' | 'onPeriodClosed'>;
  bus: EventBus;
  /** Delivers alarm actions; without it, alarm actions are not carried out. */
  publishToSns?: PublishToSns;
  /** Share a store (e.g. with a traffic generator created first); default: a new one. */
  store?: MetricStore;
  /** Evaluate alarms on every period close of `clock` (default true). */
  evaluateOnPeriodClose?: boolean;
}

export interface CloudWatch {
  emulation: ServiceEmulation;
  store: MetricStore;
  alarms: Alarms;
  /** Evaluates every alarm at simulated time `now` (epoch ms); the clock does this at each period close. */
  evaluateAlarms(now: number): Promise<void>;
  /** Stops evaluating on period closes. */
  dispose(): void;
}

/**
 * Creates the CloudWatch emulation. `clock` stamps data and drives alarm evaluation, `bus`
 * receives alarm state-change events, and `publishToSns` carries out alarm actions.
 */
export function createCloudWatch(opts: CloudWatchOptions): CloudWatch {
  const store = opts.store ?? createMetricStore();
  const alarms = createAlarms({
    store,
    bus: opts.bus,
    ...(opts.publishToSns ? { publishToSns: opts.publishToSns } : {}),
  });
  const unsubscribe =
    opts.evaluateOnPeriodClose === false
      ? () => {}
      : opts.clock.onPeriodClosed((period) => alarms.evaluate(period.end), 'evaluate');

  const emulation: ServiceEmulation = {
    signingName: 'monitoring',
    operations: {
      PutMetricData: putMetricData(store),
      GetMetricData: getMetricData(store),
      PutMetricAlarm: (input, ctx) => alarms.putMetricAlarm(input, ctx),
      DescribeAlarms: (input, ctx) => alarms.describeAlarms(input, ctx),
      SetAlarmState: (input, ctx) => alarms.setAlarmState(input, ctx),
      DeleteAlarms: (input, ctx) => alarms.deleteAlarms(input, ctx),
    },
  };

  return {
    emulation,
    store,
    alarms,
    evaluateAlarms: (now) => alarms.evaluate(now),
    dispose: unsubscribe,
  };
}
