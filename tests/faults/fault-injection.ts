import type { Harness } from '../integration/handlers/tick/watchdog-harness';
import { SDK_MAX_ATTEMPTS } from '../../shared/runtime/client-cache';
import type { WatchdogDeps } from '../../shared/watchdog/watchdog-deps';
import type { TickDeps } from '../../shared/watchdog/run-tick';

/**
 * Faults at one chosen step of a run of the real handlers' code. A step is the nth call of one
 * port method (the store, the endpoints, the notifier, the metrics and alarm readers), so a case
 * names "the second DescribeEndpoint" or "the removal write" exactly. 5xx, throttle and timeout
 * are played by the sandbox on the wire (the real SDK client with its retries sees them); a crash
 * is played in-process: the function dies at that point and nothing after it runs.
 */

/**
 * 5xx and throttle: every SDK attempt of the step fails, so the failure reaches the watchdog.
 * timeout: the call runs, its reply is lost, the SDK retries what is already done.
 * crash-before / crash-after: the function dies just before the call, or just after it landed.
 */
export type FaultKind = '5xx' | 'throttle' | 'timeout' | 'crash-before' | 'crash-after';

export type Port =
  | 'store.get'
  | 'store.save'
  | 'store.create'
  | 'store.appendHistory'
  | 'store.listActive'
  | 'store.listActiveForAlarm'
  | 'endpoints.describe'
  | 'endpoints.setWeights'
  | 'notifier.publish'
  | 'metrics.read'
  | 'alarms.read';

/** One step of a run: the `nth` call (from 1) of `port`. */
export interface Step {
  label: string;
  port: Port;
  nth: number;
}

export interface FaultPlan {
  step: Step;
  kind: FaultKind;
}

/** The AWS call behind each port method, as the sandbox's fault rules name it. */
const WIRE: Record<Port, { service: string; operation: string }> = {
  'store.get': { service: 'dynamodb', operation: 'GetItem' },
  'store.save': { service: 'dynamodb', operation: 'PutItem' },
  'store.create': { service: 'dynamodb', operation: 'PutItem' },
  'store.appendHistory': { service: 'dynamodb', operation: 'BatchWriteItem' },
  'store.listActive': { service: 'dynamodb', operation: 'Query' },
  'store.listActiveForAlarm': { service: 'dynamodb', operation: 'Query' },
  'endpoints.describe': { service: 'sagemaker', operation: 'DescribeEndpoint' },
  'endpoints.setWeights': { service: 'sagemaker', operation: 'UpdateEndpointWeightsAndCapacities' },
  'notifier.publish': { service: 'sns', operation: 'Publish' },
  'metrics.read': { service: 'monitoring', operation: 'GetMetricData' },
  'alarms.read': { service: 'monitoring', operation: 'DescribeAlarms' },
};

const STORE_METHODS = ['get', 'save', 'create', 'appendHistory', 'listActive', 'listActiveForAlarm'];

export interface Injection {
  /** True once the plan's step was reached and its fault played. */
  fired(): boolean;
  /** Resolves when the function crashed (never, for other kinds). */
  crashed: Promise<'crashed'>;
  /** Every port call of the run, `port#n`, in order (for naming steps). */
  trace: string[];
}

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/**
 * Wraps `deps` (fresh runtime deps, mutated in place) so that the plan's step fails as its kind
 * says. Without a plan the calls are only traced. After a crash every later call hangs too: a
 * dead function makes no more calls, whichever branch of it was still running.
 */
export function injectFault<D extends WatchdogDeps & Partial<Pick<TickDeps, 'metrics' | 'alarmStates'>>>(
  h: Harness,
  deps: D,
  plan: FaultPlan | undefined,
): Injection {
  const counts = new Map<Port, number>();
  const trace: string[] = [];
  let fired = false;
  let dead = false;
  let crash: (value: 'crashed') => void = () => undefined;
  const crashed = new Promise<'crashed'>((resolve) => (crash = resolve));

  const call = async <T>(port: Port, invoke: () => Promise<T>): Promise<T> => {
    if (dead) return never();
    const n = (counts.get(port) ?? 0) + 1;
    counts.set(port, n);
    trace.push(`${port}#${n}`);
    if (!plan || fired || plan.step.port !== port || plan.step.nth !== n) return invoke();
    fired = true;
    switch (plan.kind) {
      case 'crash-before':
        dead = true;
        crash('crashed');
        return never();
      case 'crash-after':
        await invoke().catch(() => undefined);
        dead = true;
        crash('crashed');
        return never();
      default: {
        const scope = { ...WIRE[port], times: plan.kind === 'timeout' ? 1 : SDK_MAX_ATTEMPTS };
        const faults = h.sandbox.faults;
        const rule =
          plan.kind === '5xx'
            ? faults.fail('InternalFailure', scope)
            : plan.kind === 'throttle'
              ? faults.throttle(scope)
              : faults.loseReply(scope, 'reset');
        try {
          return await invoke();
        } finally {
          faults.removeRule(rule);
        }
      }
    }
  };

  const store = deps.store;
  deps.store = new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !STORE_METHODS.includes(prop) || typeof value !== 'function')
        return value;
      return (...args: unknown[]) =>
        call(`store.${prop}` as Port, () =>
          (value as (...a: unknown[]) => Promise<unknown>).apply(target, args),
        );
    },
  });
  const endpoints = deps.endpoints.bind(deps);
  deps.endpoints = (region) => {
    const adapter = endpoints(region);
    return {
      describe: (name) => call('endpoints.describe', () => adapter.describe(name)),
      setWeights: (...args) => call('endpoints.setWeights', () => adapter.setWeights(...args)),
    };
  };
  const notifier = deps.notifier;
  deps.notifier = { publish: (n) => call('notifier.publish', () => notifier.publish(n)) };
  if (deps.metrics) {
    const metrics = deps.metrics.bind(deps);
    deps.metrics = (region) => {
      const reader = metrics(region);
      return { read: (targets, now) => call('metrics.read', () => reader.read(targets, now)) };
    };
  }
  if (deps.alarmStates) {
    const alarms = deps.alarmStates.bind(deps);
    deps.alarmStates = (region) => {
      const reader = alarms(region);
      return { read: (names) => call('alarms.read', () => reader.read(names)) };
    };
  }
  return { fired: () => fired, crashed, trace };
}

export type RunOutcome<T> =
  { status: 'returned'; value: T } | { status: 'threw'; error: unknown } | { status: 'crashed' };

/** Runs `run` until it returns, throws, or the injected crash kills it (the run is then abandoned). */
export async function runOrCrash<T>(injection: Injection, run: () => Promise<T>): Promise<RunOutcome<T>> {
  const finished = run().then(
    (value): RunOutcome<T> => ({ status: 'returned', value }),
    (error: unknown): RunOutcome<T> => ({ status: 'threw', error }),
  );
  return Promise.race([finished, injection.crashed.then((): RunOutcome<T> => ({ status: 'crashed' }))]);
}

/**
 * True when the plan's fault may deliver one notification twice (same notificationId): the
 * publish landed but the drainer never learnt it (crash after it, its reply lost and retried), or
 * its removal write never landed (failed, or the function died before it).
 */
export function mayRepeatDelivery(plan: FaultPlan, removal: Step | undefined): boolean {
  if (plan.step.port === 'notifier.publish') return plan.kind === 'crash-after' || plan.kind === 'timeout';
  return (
    removal !== undefined &&
    plan.step.port === removal.port &&
    plan.step.nth === removal.nth &&
    plan.kind !== 'timeout' &&
    plan.kind !== 'crash-after'
  );
}
