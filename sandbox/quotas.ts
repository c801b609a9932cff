/**
 * Per-operation rate quotas, as AWS enforces them per account and region: a call above its
 * operation's calls-per-second is answered with the service's throttling error. A quota is the
 * sandbox's configuration, not a fault: `faults.clear()` leaves quotas alone, and they apply to
 * every sandbox unless its creator changes or lifts them (`CreateSandboxOptions.quotas`,
 * `npm run sandbox -- --quota KEY=N | --no-quotas`, `PUT /_sandbox/quotas`).
 */
import { type AwsError, throttlingError } from './aws-error';
import { createRateWindow, type RateWindow } from './rate-window';

/**
 * The quotas every sandbox starts with, by `signingName.Operation`. Calls per second per region.
 * GetMetricData: AWS's documented 50 TPS. SageMaker publishes no rate for DescribeEndpoint or
 * UpdateEndpointWeightsAndCapacities; 10 is a careful guess.
 */
export const DEFAULT_QUOTAS: Readonly<Record<string, number>> = {
  'monitoring.GetMetricData': 50,
  'sagemaker.DescribeEndpoint': 10,
  'sagemaker.UpdateEndpointWeightsAndCapacities': 10,
};

export interface QuotaOptions {
  /**
   * Calls per second by `signingName.Operation` (`sagemaker.DescribeEndpoint`), merged over
   * {@link DEFAULT_QUOTAS}: a number sets that operation's quota, `null` lifts it.
   */
  limits?: Readonly<Record<string, number | null>>;
  /** Wall clock in ms the windows run on (injectable for tests). Default `Date.now`. */
  wallNow?: () => number;
}

export interface QuotaCall {
  service: string;
  operation: string;
  region: string;
}

export interface QuotasSnapshot {
  /** Calls per second by `signingName.Operation`. */
  limits: Record<string, number>;
  /** Calls answered with a throttle since the sandbox started, by `signingName.Operation`. */
  throttled: Record<string, number>;
}

export interface Quotas {
  /** The throttling error for a call above its operation's quota in its region, or nothing (the call is counted). */
  check(call: QuotaCall): AwsError | undefined;
  /** Sets (number) or lifts (`null`) quotas by `signingName.Operation`; others stay as they are. */
  set(limits: Readonly<Record<string, number | null>>): void;
  /** Lifts every quota. */
  liftAll(): void;
  snapshot(): QuotasSnapshot;
}

/** Quotas configured by `options` (the defaults when none); `false` makes a sandbox without quotas. */
export function createQuotas(options: QuotaOptions | false = {}): Quotas {
  const wallNow = (options !== false && options.wallNow) || Date.now;
  const limits = new Map<string, number>();
  const windows = new Map<string, RateWindow>();
  const throttled = new Map<string, number>();

  const set = (changes: Readonly<Record<string, number | null>>) => {
    for (const [key, value] of Object.entries(changes)) {
      if (!/^[a-z0-9-]+\.[A-Za-z0-9]+$/.test(key))
        throw new RangeError(
          `a quota is named signingName.Operation (sagemaker.DescribeEndpoint), got "${key}"`,
        );
      if (value === null) {
        limits.delete(key);
        continue;
      }
      if (!(Number.isInteger(value) && value >= 0))
        throw new RangeError(`quota ${key} must be a whole number of calls per second >= 0, got ${value}`);
      limits.set(key, value);
    }
  };
  if (options !== false) set({ ...DEFAULT_QUOTAS, ...options.limits });

  return {
    check(call) {
      const key = `${call.service}.${call.operation}`;
      const limit = limits.get(key);
      if (limit === undefined) return undefined;
      const windowKey = `${call.region}/${key}`;
      let window = windows.get(windowKey);
      if (!window) {
        window = createRateWindow();
        windows.set(windowKey, window);
      }
      if (window.admit(wallNow(), limit)) return undefined;
      throttled.set(key, (throttled.get(key) ?? 0) + 1);
      return throttlingError(call.service);
    },
    set,
    liftAll: () => limits.clear(),
    snapshot: () => ({ limits: Object.fromEntries(limits), throttled: Object.fromEntries(throttled) }),
  };
}
