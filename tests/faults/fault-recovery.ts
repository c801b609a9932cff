import { countingDeps, type Harness, MINUTE, REGION } from '../integration/handlers/tick/watchdog-harness';
import { needsTick } from '../../shared/domain/needs-tick';
import { runTick } from '../../shared/watchdog/run-tick';

/** Recovery ticks after a case at most: enough for a deferred weight to be sent, land and be confirmed. Ticks. */
export const RECOVERY_TICKS = 4;

/** Lambda's retries of an async invocation that threw or died (maximumRetryAttempts). Attempts. */
export const LAMBDA_RETRIES = 2;

/**
 * Wall-clock offset of the runs after a fault: each later run happens a minute after the previous
 * one (Lambda retries an event after about a minute, ticks are a minute apart), so a lease taken
 * by a function that died has run out by then, as it would have.
 */
export interface Later {
  wallOffset: number;
}

/** Fresh runtime deps for a run `later.wallOffset` after the faulted one (a new Lambda container). */
export function freshDeps(h: Harness, later: Later) {
  const { deps } = countingDeps(h);
  const offset = later.wallOffset;
  deps.wallNow = () => Date.now() + offset;
  return deps;
}

/** A minute passes, on the sandbox's clock and the wall clock the leases are read from. */
export async function aMinuteLater(h: Harness, later: Later): Promise<void> {
  await h.clock.advance(MINUTE);
  later.wallOffset += MINUTE;
}

/**
 * Delivers the event again, as Lambda does after the first run threw or died, up to its retries:
 * `deliver` runs with fresh deps a minute after the previous attempt; returns the attempts made.
 */
export async function redeliver(
  h: Harness,
  later: Later,
  deliver: (deps: ReturnType<typeof freshDeps>) => Promise<unknown>,
): Promise<number> {
  for (let attempt = 1; attempt <= LAMBDA_RETRIES; attempt++) {
    await aMinuteLater(h, later);
    try {
      await deliver(freshDeps(h, later));
      return attempt;
    } catch {
      // Thrown again: Lambda retries once more, then the event waits on the failure destination.
    }
  }
  return LAMBDA_RETRIES;
}

/**
 * The scheduled ticks after the fault, each a minute after the previous run, until the rollout of
 * `endpointName` owes nothing more (at least one, at most RECOVERY_TICKS): a tick that would
 * find nothing to do is not run, to keep the suite short.
 */
export async function recoveryTicks(h: Harness, later: Later, endpointName: string): Promise<void> {
  for (let i = 0; i < RECOVERY_TICKS; i++) {
    await aMinuteLater(h, later);
    await runTick(freshDeps(h, later), { now: h.clock.now(), correlationId: `recovery-${h.clock.now()}` });
    const record = await h.store.get(endpointName);
    const settled =
      record !== undefined &&
      !needsTick(record) &&
      h.sandbox.sagemaker.getEndpointStatus(REGION, endpointName) === 'InService';
    if (settled) return;
  }
}

/** A CloudWatch Alarm State Change event of `alarmName` entering `value` at the sandbox's now. */
export function alarmEvent(h: Harness, alarmName: string, value: 'ALARM' | 'OK' = 'ALARM') {
  const now = new Date(h.clock.now()).toISOString();
  return {
    version: '0',
    id: `evt-${alarmName}-${h.clock.now()}`,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '000000000000',
    time: now,
    region: REGION,
    resources: [`arn:aws:cloudwatch:${REGION}:000000000000:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: { value, reason: 'Threshold Crossed', timestamp: now },
      previousState: {
        value: value === 'ALARM' ? 'OK' : 'ALARM',
        reason: 'before',
        timestamp: new Date(h.clock.now() - MINUTE).toISOString(),
      },
      configuration: { metrics: [] },
    },
  };
}
