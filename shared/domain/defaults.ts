/**
 * Defaults and tuning constants of the engine. Every default a policy may omit lives here, with
 * its unit, so the documentation and the code cannot drift apart.
 */

/** The only policy format version this engine understands. */
export const POLICY_API_VERSION = 'rollout-watchdog/v1';

/** `analysis.interval` when omitted. Seconds. */
export const DEFAULT_INTERVAL_SECONDS = 60;

/** `analysis.window` when omitted. Seconds. */
export const DEFAULT_WINDOW_SECONDS = 300;

/** `analysis.minCanaryInvocations` when omitted. Canary requests within the window. */
export const DEFAULT_MIN_CANARY_INVOCATIONS = 100;

/** `analysis.inconclusiveLimit` when omitted. Inconclusive judgements in a row. */
export const DEFAULT_INCONCLUSIVE_LIMIT = 15;

/**
 * A metric's `failureLimit` when omitted. Failing judgements in a row. Two rather than one: a
 * single window can be unlucky (a point-estimate ceiling on a few hundred requests), and
 * requiring a second consecutive failure costs only one analysis interval of detection time.
 */
export const DEFAULT_FAILURE_LIMIT = 2;

/** `observe` of a `staged` alarm rollback when omitted. Seconds. */
export const DEFAULT_STAGED_OBSERVE_SECONDS = 300;

/**
 * `lifecycle.retireBaseline.after` when omitted: the hold-back after a promotion during which a
 * `rollback` still restores the baseline instantly, before its instances are released. Ten
 * minutes: longer than Argo Rollouts' 30 s scale-down delay, because a model regression often
 * shows only once the promoted model takes all the traffic. Seconds.
 */
export const DEFAULT_RETIRE_BASELINE_AFTER_SECONDS = 600;

/**
 * `lifecycle.cleanUpAfterRollback.after` when omitted: time to inspect a failing canary (invoke
 * it directly, read its logs) before its variant and instances are removed. Seconds.
 */
export const DEFAULT_CLEAN_UP_AFTER_ROLLBACK_SECONDS = 1800;

/**
 * One-sided standard-normal quantile for the error-rate comparison with the baseline
 * (`maxIncrease`): 99 % confidence. Dimensionless. The canary counts as worse than the baseline
 * only when the lower confidence bound of the difference (Agresti–Caffo) exceeds the allowance:
 * a healthy canary then fails about one judgement in a hundred even on a few hundred requests,
 * `failureLimit` in a row makes a false rollback practically impossible, and a real regression
 * (2.5 % vs 0 % on 750 requests) still fails most judgements at a 5 % canary weight.
 */
export const CONFIDENCE_Z = 2.326;

/**
 * One-sided standard-normal quantile for latency bounds (`thresholdMs`, `maxIncreasePct`): 97.5 %
 * confidence. Dimensionless. Lower than CONFIDENCE_Z because latency percentiles are judged in
 * probability space (see `latencyNoiseMargin`), which already keeps the heavy right skew of a
 * p99 measured on ~150 requests a minute. Tuned on the scenario simulator: at 1.96 a canary
 * identical to a baseline whose p99 sits at 90 % of `thresholdMs` with a very heavy tail
 * (p99 = 22 × p50) was never rolled back in 550 seeds, while p99 420 vs 180 ms is rolled back
 * within 6 minutes at a 5 % weight; 1.645 produced false rollbacks, 2.326 took up to 13 minutes.
 */
export const LATENCY_CONFIDENCE_Z = 1.96;

/**
 * One-sided standard-normal quantile for the error-rate ceiling (`threshold`): 95 %.
 * A ceiling is a promise about the canary alone, so it is judged close to the point estimate,
 * but not on the point estimate itself: 8 errors in a canary's first 150 requests (5.3 %) happen
 * to a healthy 3 % canary one window in eleven, and must not count as crossing a 5 % ceiling.
 */
export const CEILING_CONFIDENCE_Z = 1.645;

/**
 * Log-normal shape (sigma of ln latency) assumed when a variant's window holds too little to
 * estimate it (no p50 or no upper percentile). Dimensionless. 0.8 is a heavy tail
 * (p99 ≈ 6.4 × p50), so the assumed noise errs on the side of not failing a healthy canary.
 */
export const DEFAULT_LATENCY_LOG_SIGMA = 0.8;

/** Bounds on the estimated log-normal sigma, so degenerate data cannot claim zero noise. Dimensionless. */
export const MIN_LATENCY_LOG_SIGMA = 0.05;
export const MAX_LATENCY_LOG_SIGMA = 3;

/**
 * One-sided standard-normal quantile of the fast latency test (`latency-shift.ts`): the lower
 * confidence bound of the canary's body shift (p50 and p90 against the baseline's, pooled over a
 * run of periods) must clear `maxIncreasePct` at this confidence for a decisive verdict, one that
 * rolls back without waiting for `failureLimit` judgements. Dimensionless. Stricter than
 * LATENCY_CONFIDENCE_Z because one such judgement stands for `failureLimit` of them and because
 * each judgement looks at several runs (the last 2, 3, ... periods).
 */
export const LATENCY_SHIFT_Z = 2.5;

/**
 * Fewest periods in a run of the fast latency test. Periods. Two, so a single slow minute of the
 * canary alone never convicts it: the regression has to persist.
 */
export const FAST_LATENCY_MIN_PERIODS = 2;

/**
 * Fewest requests of each variant in a period for the fast latency test to use it. Requests. The
 * normal approximation of a sample median and p90 is sound from a few dozen requests on.
 */
export const FAST_LATENCY_MIN_REQUESTS = 30;

/**
 * One-sided standard-normal quantile by which each period of a fast-test run must be beyond the
 * allowance on its own. Dimensionless. Half a standard error: a true regression of 1.6x clears
 * it in about 97 % of 5 % canary minutes at 1,500 requests a minute, a healthy minute that lands
 * beyond the allowance by chance almost never (a 3.5 standard-error event at that traffic).
 */
export const LATENCY_PERIOD_Z = 0.5;

/**
 * One-sided standard-normal quantile by which the policy's own statistic (e.g. the p99) must be
 * beyond the allowance over a fast-test run, judged like the ordinary test (in probability
 * space, `latencyNoiseMargin`). Dimensionless. Modest on purpose: the body's shift carries the
 * evidence; this keeps a canary whose body slowed while its tail did not from being convicted
 * on the body alone.
 */
export const LATENCY_STATISTIC_Z = 0.5;

/** `strategy.blueGreen.trafficRouting` when omitted: SageMaker's own default, all traffic at once. */
export const DEFAULT_BLUE_GREEN_ROUTING_TYPE = 'allAtOnce';

/**
 * `strategy.blueGreen.trafficRouting.waitInterval` when omitted: SageMaker's WaitIntervalInSeconds,
 * the time between shifts (for all at once, the bake of its single shift). Five minutes: enough
 * analysis windows for the watchdog to judge the new fleet before the next shift. Seconds.
 */
export const DEFAULT_BLUE_GREEN_WAIT_INTERVAL_SECONDS = 300;

/**
 * `strategy.blueGreen.bake` when omitted: SageMaker's TerminationWaitInSeconds, the new fleet
 * serving all traffic while the old one is kept to roll back to. Ten minutes, like
 * `lifecycle.retireBaseline.after`: a regression often shows only under all the traffic. Seconds.
 */
export const DEFAULT_BLUE_GREEN_BAKE_SECONDS = 600;

/** A hook's `type` when omitted: a gate, whose "no" holds the rollout. */
export const DEFAULT_HOOK_KIND = 'gate';

/** A hook's `timeout` when omitted: per call, before it counts as a timeout. Seconds. */
export const DEFAULT_HOOK_TIMEOUT_SECONDS = 10;

/** A hook's `retries` when omitted: calls again after a timeout, network error, 429 or 5XX. Calls. */
export const DEFAULT_HOOK_RETRIES = 2;

/**
 * A gate's `failureLimit` when omitted: "no" answers and failed calls in a row before its
 * `onFailure`. Answers in a row. Five: a load test or a change ticket often says no a few times
 * before it says yes.
 */
export const DEFAULT_HOOK_FAILURE_LIMIT = 5;

/** A gate's `onFailure` when omitted: roll back, as a failing metric does. */
export const DEFAULT_HOOK_ON_FAILURE = 'rollback';
