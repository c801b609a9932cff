import type { AlarmStateValue, Phase, PauseCause, Step, Verdict } from './types';

/**
 * Why the engine decided what it did, as data: which metrics, which alarm, which operator command,
 * which step or limit. The engine returns one with every decision; `shared/wording/describe-decision.ts`
 * turns it (with the decision's evidence, which holds the numbers of each metric) into the
 * decision's `reason`, so the words live in one place and code can act on the cause itself.
 */

/** A step of the policy, as much of it as its wording needs (`step 2/6 (pause 10m)`). */
export interface StepRef {
  /** 0-based index into the policy's steps; `count` once past the last. */
  index: number;
  count: number;
  /** The step itself; null past the last step. */
  step: Step | null;
}

/** Where a rollout waits after it moved on: a pause step (timed or manual), or promotion. */
export type NextStop =
  { kind: 'step'; at: StepRef } | { kind: 'manual-pause'; at: StepRef } | { kind: 'promotion' };

/** What an alarm that entered ALARM did to the rollout. */
export type AlarmEffectCause =
  /** An `immediate` alarm: canary to 0 %, final. */
  | { kind: 'alarm-rollback'; alarmName: string; fromWeight: number }
  /** A `staged` alarm: canary halved and observed until `observeUntil` (epoch ms). */
  | {
      kind: 'alarm-staged';
      alarmName: string;
      fromWeight: number;
      toWeight: number;
      observeSeconds: number;
      observeUntil: number;
    }
  /** A `staged` alarm during another's observation: nothing more (already at half weight). */
  | { kind: 'alarm-already-staged'; alarmName: string; stagedFor: string };

/** Something a tick did on the way to its decision, told before the decision's own cause. */
export type TickNote =
  | { kind: 'future-periods'; count: number; now: number }
  | Extract<AlarmEffectCause, { kind: 'alarm-staged' | 'alarm-already-staged' }>;

/** What the judgement allowed a step to complete on: every metric passed, or nothing to judge at 0 %. */
export type StepJudgement = 'pass' | 'canary-at-zero';

/** What completed before the rollout moved on. */
export type StepCompletion =
  /** A timed pause whose time is up (and the judgement passed). */
  | { kind: 'pause'; durationSeconds: number }
  /** A state the engine does not create (waiting on a `setWeight` or a manual pause while Progressing), walked past. */
  | { kind: 'recovered' };

/** A metric that reached its `failureLimit`, with the numbers of its verdict. */
export interface FailedMetric {
  metric: string;
  observed: number | null;
  baseline: number | null;
  limit: number | null;
  /** Failing judgements in a row, which reached the metric's `failureLimit`. */
  consecutiveFailures: number;
  failureLimit: number;
}

/** What an operator overrode when starting under the policy's alarms: who, why, and what was found. */
export interface AlarmCheckOverride {
  operator: string;
  reason: string;
  /** Alarms the policy names that were in ALARM. */
  alarmsInAlarm: string[];
  /** Alarms the policy names that did not exist in the endpoint's region. */
  missingAlarms: string[];
  /** Why the alarm states could not be read, when they could not (nothing else is known then). */
  unreadable?: string;
}

/** A shadow phase as a start names it: how much is copied, until when, and the weight after it. */
export interface ShadowStart {
  samplingPercent: number;
  durationSeconds: number;
  /** Epoch ms. */
  until: number;
  /** The canary weight of the first `setWeight` step, applied once the shadow passed. */
  firstWeight: number;
}

/**
 * The decisions of a shadow phase: judged and waiting (`shadow-judged`), failed (the shadow is
 * removed and the rollout ends; no user request was answered by the new model), or passed into
 * the canary's first step.
 */
export type ShadowCause =
  | {
      kind: 'shadow-judged';
      notes: TickNote[];
      samplingPercent: number;
      /** When the shadow may pass. Epoch ms. */
      until: number;
      elapsedSeconds: number;
      durationSeconds: number;
      verdict: Verdict;
      /** Inconclusive judgements in a row, and the policy's `inconclusiveLimit`. */
      inconclusive: { count: number; limit: number };
      /** Paused (by an operator, or now after too many inconclusive judgements): judged, never passed. */
      pauseCause: PauseCause | null;
      /** True when this judgement paused it (`inconclusiveLimit` reached). */
      pausedNow: boolean;
    }
  | {
      kind: 'shadow-failed';
      notes: TickNote[];
      samplingPercent: number;
      /** Metrics at their `failureLimit`; empty when an alarm decided. */
      metrics: FailedMetric[];
      /** The policy alarm that entered ALARM, when one decided. */
      alarmName?: string;
    }
  | {
      kind: 'shadow-passed';
      notes: TickNote[];
      samplingPercent: number;
      durationSeconds: number;
      toWeight: number;
      next: NextStop;
      /** On an endpoint: the weight waits until the shadow's model is deployed as the canary variant. */
      deployFirst?: boolean;
    }
  /** On an endpoint: the shadow's model is in service as the canary variant, and the first step's weight applies. */
  | { kind: 'shadow-canary-ready'; toWeight: number; next: NextStop };

/** What a gate point's hooks said, as the decisions at a gate name it (see gate-decision.ts). */
export interface GateAbout {
  point: 'beforeStart' | 'beforeStep' | 'beforePromotion';
  /** The gates that said no (or whose call failed). */
  hooks: string[];
  /** "No" answers and failed calls in a row at this point. */
  failures: number;
  failureLimit: number;
  /** The gates' own reason, or why the call failed. */
  reason: string;
  fromWeight: number;
  /** The weight the held move goes to; null: promotion. Percent. */
  nextWeight: number | null;
}

/**
 * The decisions at a gate: held (a gate said no, the rollout stays where it is and asks again
 * next tick), failed (`failureLimit` reached: rolled back or paused, as `onFailure` says), or
 * passed after having held (the engine's own decision, `then`, goes through).
 */
export type GateCause =
  | ({ kind: 'gate-held' } & GateAbout)
  | ({ kind: 'gate-failed'; onFailure: 'rollback' | 'pause' } & GateAbout)
  | {
      kind: 'gate-passed';
      point: 'beforeStart' | 'beforeStep' | 'beforePromotion';
      hooks: string[];
      /** Refusals in a row before the gate let go. */
      failures: number;
      then: DecisionCause;
    };

/** Why an alarm state change changed nothing. */
export type AlarmIgnored = 'rollout-final' | 'not-in-policy' | 'unknown-state' | 'unchanged';

export type DecisionCause =
  // Starting.
  | {
      kind: 'started';
      canaryWeight: number;
      next: NextStop;
      operator?: string;
      reason?: string;
      /** The start's alarm check, overridden by an operator with a reason (`start --force`). */
      override?: AlarmCheckOverride;
      /** Gates at `beforeStart` hold the first weight (`withStartGate`): the canary stays at 0 % until they allow. */
      gate?: { point: 'beforeStart'; hooks: string[]; nextWeight: number };
      /** The rollout begins with a shadow phase (`strategy.canary.shadow`): the canary stays at 0 % meanwhile. */
      shadow?: ShadowStart;
    }
  // Inputs that change nothing.
  | { kind: 'input-ignored'; phase: Phase }
  | { kind: 'stale-input'; stalePeriods: number; lastPeriodTime: number | null }
  // Alarms (from a tick's alarm states or from an alarm event).
  | AlarmEffectCause
  | { kind: 'alarm-ignored'; ignored: AlarmIgnored; alarmName: string; state: string; phase: Phase }
  | { kind: 'alarm-recorded'; alarmName: string; state: Exclude<AlarmStateValue, 'ALARM'> }
  // Judgements. `notes` come first in the wording.
  | { kind: 'not-due'; notes: TickNote[]; nextJudgementAt: number }
  | { kind: 'metric-failed'; notes: TickNote[]; metrics: FailedMetric[] }
  | {
      kind: 'staged-rollback';
      notes: TickNote[];
      alarmName: string;
      /** Policy alarms still in ALARM at the observation's end; empty when a failing metric decided. */
      stillAlarming: string[];
    }
  | { kind: 'staged-restored'; notes: TickNote[]; alarmName: string; fromWeight: number; toWeight: number }
  | {
      kind: 'staged-observing';
      notes: TickNote[];
      alarmName: string;
      canaryWeight: number;
      observeUntil: number;
    }
  | {
      kind: 'paused';
      notes: TickNote[];
      pauseCause: PauseCause | null;
      at: StepRef;
      verdict: Verdict;
    }
  | { kind: 'failing'; notes: TickNote[] }
  | {
      kind: 'inconclusive';
      notes: TickNote[];
      /** Inconclusive judgements in a row, and the policy's `inconclusiveLimit`. */
      count: number;
      limit: number;
      /** True when `count` reached `limit` and the rollout paused. */
      paused: boolean;
    }
  | { kind: 'manual-pause-reached'; notes: TickNote[]; at: StepRef }
  | {
      kind: 'step';
      notes: TickNote[];
      at: StepRef;
      elapsedSeconds: number;
      durationSeconds: number;
      judgement: StepJudgement;
    }
  | {
      kind: 'advanced';
      notes: TickNote[];
      completed: StepCompletion;
      judgement: StepJudgement;
      fromWeight: number;
      toWeight: number;
      next: Extract<NextStop, { kind: 'step' | 'manual-pause' }>;
    }
  | {
      kind: 'promoted';
      notes: TickNote[];
      /** `all-steps`: no step was left to wait on. */
      completed: StepCompletion | { kind: 'all-steps' };
      judgement: StepJudgement;
    }
  // A shadow phase (`strategy.canary.shadow`; see judge-shadow.ts).
  | ShadowCause
  // Gates (hooks asked before the rollout moves on; see gate-decision.ts).
  | GateCause
  // Operator commands.
  | {
      kind: 'command';
      command: 'pause' | 'resume' | 'promote' | 'abort' | 'rollback';
      /** Who gave it (an IAM identity); absent: "an operator". */
      operator?: string;
      /** The operator's own words. */
      reason?: string;
      fromWeight: number;
      toWeight: number;
      /** `resume` without moving on: the step it resumes at. */
      at?: StepRef;
      /** `resume` past a manual pause: where the rollout waits next. */
      next?: NextStop;
      /** `resume` into a weight that gates hold: the move waits for them (the tick asks). */
      gate?: { point: 'beforeStart' | 'beforeStep'; hooks: string[]; nextWeight: number };
    };

/**
 * What the judgement of one metric found, with its numbers, in the metric's unit (a fraction for
 * an error rate, ms for a latency, the custom metric's own unit); `shared/wording/describe-verdict.ts`
 * words it with the metric's policy (its bounds and allowance).
 */
export type MetricFinding =
  /** Fewer canary requests in the window than `minCanaryInvocations`: nothing judged. */
  | { kind: 'too-few-requests'; canaryRequests: number; needed: number }
  | { kind: 'no-canary-data' }
  /** The canary has a value, the baseline none to compare it with. */
  | { kind: 'no-baseline-data'; canary: number }
  /** Above the ceiling (`threshold` / `thresholdMs`) beyond sampling noise. */
  | { kind: 'above-threshold'; canary: number; threshold: number }
  | { kind: 'below-minimum'; canary: number; minimum: number }
  | { kind: 'above-maximum'; canary: number; maximum: number }
  /**
   * Compared with the baseline: `change` is the observed increase (a difference of rates, or a
   * relative change of latency) and `lowerBound` the increase that sampling noise cannot explain;
   * `failing` when it exceeds what the policy allows.
   */
  | {
      kind: 'increase';
      canary: number;
      baseline: number;
      change: number;
      lowerBound: number;
      failing: boolean;
      /**
       * Set when the fast latency test convicted the canary at once: over the last `periods`
       * periods the whole distribution (p50 and p90) is slower than the baseline by at least
       * `lowerBound` (relative). Absent: the window's ordinary test, counted judgement by judgement.
       */
      shift?: { periods: number; lowerBound: number };
    }
  /** Within every bound the policy sets. */
  | { kind: 'within'; canary: number };
