/**
 * Counts of throttled calls by operation, so a throttle the SDK's retries rode out is visible
 * (the benchmark prints them) rather than only slow. Filled by the clients' middleware
 * (`throttle-middleware.ts`) once per call, when its last attempt has answered.
 */

export interface ThrottleCounts {
  /** Throttled attempts that were followed by another attempt. */
  retried: number;
  /** Calls whose last attempt was throttled: the throttle reached the caller as an error. */
  failed: number;
}

export class ThrottleCounter {
  private readonly counts = new Map<string, ThrottleCounts>();

  /**
   * Records one finished call of `operation` (`ClientService.Operation`) that saw
   * `throttledAttempts` throttles; `endedThrottled` when its last attempt was one of them.
   */
  record(operation: string, throttledAttempts: number, endedThrottled: boolean): void {
    if (throttledAttempts === 0) return;
    const counts = this.counts.get(operation) ?? { retried: 0, failed: 0 };
    counts.retried += endedThrottled ? throttledAttempts - 1 : throttledAttempts;
    if (endedThrottled) counts.failed += 1;
    this.counts.set(operation, counts);
  }

  /** Counts by `ClientService.Operation`, for operations that were throttled at least once. */
  snapshot(): Record<string, ThrottleCounts> {
    return Object.fromEntries([...this.counts].map(([operation, counts]) => [operation, { ...counts }]));
  }

  /** The counts of every operation added up. */
  total(): ThrottleCounts {
    let retried = 0;
    let failed = 0;
    for (const counts of this.counts.values()) {
      retried += counts.retried;
      failed += counts.failed;
    }
    return { retried, failed };
  }

  reset(): void {
    this.counts.clear();
  }
}

/** The counter every client of this process reports to. */
export const processThrottleCounter = new ThrottleCounter();
