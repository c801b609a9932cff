/**
 * Client-side pacing of the calls whose bursts are predictable: a tick over many rollouts asks
 * DescribeEndpoint, UpdateEndpointWeightsAndCapacities and GetMetricData in a burst that would
 * otherwise run into the service's rate quota and spend its time in throttle backoff. Each
 * operation in each region gets its own bucket of one token refilled at its rate, shared by every
 * client of the process (`processCallPacer`), so the calls leave evenly spaced and never more
 * than the rate within any second. The clients' middleware asks it before every attempt, retries
 * included (`throttle-middleware.ts`).
 */

/**
 * Calls per second the watchdog allows itself per operation per region, by
 * `ClientService.Operation` (the SDK client's name without `Client`). Calls per second.
 * Just under the quotas the sandbox enforces (and AWS's documented or assumed ones): calls spaced
 * at 1/rate fit `rate` into any second, one below the quota, which absorbs network jitter and the
 * odd call from another process.
 */
export const DEFAULT_PACED_RATES: Readonly<Record<string, number>> = {
  'SageMaker.DescribeEndpoint': 9,
  'SageMaker.UpdateEndpointWeightsAndCapacities': 9,
  'CloudWatch.GetMetricData': 45,
};

/** Wall milliseconds in a second, for turning a rate into a spacing. */
const MS_PER_SECOND = 1_000;

export interface CallPacerOptions {
  /** Calls per second by `ClientService.Operation`; operations not named are not paced. Default {@link DEFAULT_PACED_RATES}. */
  rates?: Readonly<Record<string, number>>;
  /** Wall clock, ms (injectable for tests). Default `Date.now`. */
  now?: () => number;
  /** Waits `ms` wall milliseconds (injectable for tests). */
  sleep?: (ms: number) => Promise<void>;
}

export class CallPacer {
  private readonly rates: ReadonlyMap<string, number>;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Earliest wall time the next call of each `region/operation` may leave, ms. */
  private readonly nextSlot = new Map<string, number>();
  private readonly waitedMs = new Map<string, number>();

  constructor(options: CallPacerOptions = {}) {
    this.rates = new Map(Object.entries(options.rates ?? DEFAULT_PACED_RATES));
    for (const [operation, rate] of this.rates) {
      if (!(rate > 0 && Number.isFinite(rate)))
        throw new RangeError(
          `paced rate of ${operation} must be a positive number of calls per second, got ${rate}`,
        );
    }
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Waits until a call of `operation` (`ClientService.Operation`) in `region` may leave, and
   * takes its slot. Resolves at once for an operation without a rate. Returns the wait, ms.
   * Slots are taken in the order callers ask, so concurrent callers queue fairly.
   */
  async acquire(operation: string, region: string): Promise<number> {
    const rate = this.rates.get(operation);
    if (rate === undefined) return 0;
    const key = `${region}/${operation}`;
    const now = this.now();
    const slot = Math.max(now, this.nextSlot.get(key) ?? now);
    this.nextSlot.set(key, slot + MS_PER_SECOND / rate);
    const wait = slot - now;
    if (wait > 0) {
      this.waitedMs.set(operation, (this.waitedMs.get(operation) ?? 0) + wait);
      await this.sleep(wait);
    }
    return wait;
  }

  /** Total time calls waited for their slot since the process started, ms by `ClientService.Operation`. */
  waited(): Record<string, number> {
    return Object.fromEntries(this.waitedMs);
  }
}

/** The pacer every client of this process shares (one Lambda instance, one benchmark, one test worker). */
export const processCallPacer = new CallPacer();
