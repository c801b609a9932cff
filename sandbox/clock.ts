/**
 * The sandbox's simulated time. Everything in the sandbox that depends on "now" (metric
 * timestamps, alarm evaluation, scheduled ticks, endpoint update delays) reads this clock, so a
 * rollout that takes an hour on AWS plays in about a minute here, and tests drive time by hand.
 *
 * Two modes:
 * - `manual`: time moves only through `advance(ms)` / `set(t)` (tests).
 * - `running`: simulated time runs `speed` times faster than the wall clock (60 = one simulated
 *   minute per wall second); `advance`/`set` still jump ahead.
 *
 * Each time simulated time crosses a period boundary (a whole minute by default) the clock
 * notifies its listeners, phase by phase, so that traffic is published before alarms are
 * evaluated and alarms are evaluated before scheduled events are delivered.
 */

/** Default simulated period whose close is announced, in milliseconds (CloudWatch's 1-minute period). */
export const DEFAULT_PERIOD_MS = 60_000;

/** Default speed of the running mode: simulated milliseconds per wall millisecond. */
export const DEFAULT_SPEED = 60;

/**
 * Listener phases, run in this order for each closed period:
 * `produce` (traffic publishes the closed minute's metrics), `evaluate` (alarms read the store),
 * `deliver` (scheduled events go to functions).
 */
export type PeriodPhase = 'produce' | 'evaluate' | 'deliver';

const PHASES: readonly PeriodPhase[] = ['produce', 'evaluate', 'deliver'];

/** A closed period: `[start, end)` in simulated epoch ms; `end` is the boundary just crossed. */
export interface ClosedPeriod {
  start: number;
  end: number;
}

export type PeriodListener = (period: ClosedPeriod) => void | Promise<void>;

export interface SandboxClockOptions {
  /** `manual` (default) or `running`. */
  mode?: 'manual' | 'running';
  /** Simulated start, epoch ms. Default: the wall clock's now, floored to the period. */
  startTime?: number;
  /** Running mode only: simulated ms per wall ms. Default {@link DEFAULT_SPEED}. */
  speed?: number;
  /** Period whose boundaries are announced, in ms. Default {@link DEFAULT_PERIOD_MS}. */
  periodMs?: number;
  /** Wall clock source in ms (injectable for tests). Default `Date.now`. */
  wallNow?: () => number;
  /** Called when a listener throws or rejects; the clock carries on. Default: `console.error`. */
  onListenerError?: (error: unknown, period: ClosedPeriod) => void;
}

export interface SandboxClock {
  readonly mode: 'manual' | 'running';
  readonly periodMs: number;
  /** Simulated time, epoch ms. */
  now(): number;
  /** Simulated time as an ISO-8601 string (what event `time` fields carry). */
  isoNow(): string;
  /**
   * Moves simulated time forward by `ms` and runs the listeners of every period boundary
   * crossed, in order; resolves when they have all settled. Negative values are refused.
   */
  advance(ms: number): Promise<void>;
  /** Moves simulated time to `t` (epoch ms, not in the past) like {@link SandboxClock.advance}. */
  set(t: number): Promise<void>;
  /** Subscribes to period closes in `phase` (default `evaluate`); returns the unsubscribe function. */
  onPeriodClosed(listener: PeriodListener, phase?: PeriodPhase): () => void;
  /** Running mode: starts the timer that announces boundaries as wall time passes. Idempotent. */
  start(): void;
  /** Running mode: freezes simulated time and stops the timer. Idempotent. */
  stop(): void;
  /** Resolves once every boundary already crossed has been announced and its listeners settled. */
  idle(): Promise<void>;
}

export class ClockUsageError extends Error {
  override readonly name = 'ClockUsageError';
}

/**
 * Creates the sandbox clock. `mode`, `speed` and `periodMs` decide how time moves and which
 * boundaries are announced; `startTime` fixes where simulated time begins.
 */
export function createSandboxClock(opts: SandboxClockOptions = {}): SandboxClock {
  const mode = opts.mode ?? 'manual';
  const periodMs = opts.periodMs ?? DEFAULT_PERIOD_MS;
  const speed = opts.speed ?? DEFAULT_SPEED;
  const wallNow = opts.wallNow ?? Date.now;
  const onListenerError =
    opts.onListenerError ??
    ((error: unknown, period: ClosedPeriod) =>
      console.error(
        `sandbox clock: listener failed for period ending ${new Date(period.end).toISOString()}`,
        error,
      ));
  if (!(periodMs > 0)) throw new ClockUsageError(`periodMs must be positive, got ${periodMs}`);
  if (!(speed > 0)) throw new ClockUsageError(`speed must be positive, got ${speed}`);

  const listeners: Record<PeriodPhase, Set<PeriodListener>> = {
    produce: new Set(),
    evaluate: new Set(),
    deliver: new Set(),
  };

  // Simulated time is `base + (wall - wallBase) * speed` while running, `base` otherwise.
  let base = opts.startTime ?? Math.floor(wallNow() / periodMs) * periodMs;
  let wallBase = wallNow();
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  // The last boundary already announced (or the start's own boundary: it is not "crossed").
  let announcedUpTo = Math.floor(base / periodMs) * periodMs;
  // While a boundary is being announced, now() reads as that boundary so listeners stamp
  // their work with the period's end, not with wherever time has jumped to.
  let pinned: number | undefined;
  let chain: Promise<void> = Promise.resolve();

  const rawNow = (): number => (running ? base + (wallNow() - wallBase) * speed : base);
  const now = (): number => pinned ?? Math.floor(rawNow());

  async function announce(boundary: number): Promise<void> {
    const period: ClosedPeriod = { start: boundary - periodMs, end: boundary };
    pinned = mode === 'manual' ? boundary : undefined;
    try {
      for (const phase of PHASES) {
        // Copy: a listener may unsubscribe itself (or others) while we iterate.
        for (const listener of [...listeners[phase]]) {
          try {
            await listener(period);
          } catch (error) {
            onListenerError(error, period);
          }
        }
      }
    } finally {
      pinned = undefined;
    }
  }

  /** Queues the announcement of every boundary up to `target`; serialised so periods never overlap. */
  function catchUp(target: number): Promise<void> {
    chain = chain.then(async () => {
      while (announcedUpTo + periodMs <= target) {
        announcedUpTo += periodMs;
        await announce(announcedUpTo);
      }
    });
    return chain;
  }

  function schedule(): void {
    if (!running) return;
    const next = announcedUpTo + periodMs;
    const wallDelay = Math.max(0, (next - rawNow()) / speed);
    timer = setTimeout(() => {
      timer = undefined;
      void catchUp(Math.floor(rawNow())).then(schedule);
    }, wallDelay);
    // A running sandbox clock must not keep a finished process alive.
    timer.unref?.();
  }

  async function moveTo(t: number): Promise<void> {
    const current = Math.floor(rawNow());
    if (!Number.isFinite(t) || t < current) {
      throw new ClockUsageError(`cannot move the clock back from ${current} to ${t}`);
    }
    if (running) {
      base = t;
      wallBase = wallNow();
      return catchUp(t);
    }
    // In manual mode time steps through each boundary so listeners see a consistent now().
    await catchUp(t);
    base = Math.max(base, t);
  }

  return {
    mode,
    periodMs,
    now,
    isoNow: () => new Date(now()).toISOString(),
    advance(ms: number) {
      if (!Number.isFinite(ms) || ms < 0) {
        return Promise.reject(new ClockUsageError(`advance needs a non-negative duration, got ${ms}`));
      }
      return moveTo(Math.floor(rawNow()) + ms);
    },
    set(t: number) {
      return moveTo(t);
    },
    onPeriodClosed(listener, phase = 'evaluate') {
      listeners[phase].add(listener);
      return () => {
        listeners[phase].delete(listener);
      };
    },
    start() {
      if (mode !== 'running' || running) return;
      wallBase = wallNow();
      running = true;
      schedule();
    },
    stop() {
      if (!running) return;
      base = rawNow();
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    idle() {
      return chain;
    },
  };
}
