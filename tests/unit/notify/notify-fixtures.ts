import { parse } from 'yaml';
import { applyAlarm, applyCommand, judgeTick, parsePolicy, startRollout } from '../../../shared/domain/index';
import type {
  RolloutPolicy,
  RolloutState,
  Transition,
  VariantPeriodMetrics,
} from '../../../shared/domain/types';

/** The standard policy of the scenarios, inline so the notify tests stand alone. */
export const STANDARD_POLICY_YAML = `apiVersion: rollout-watchdog/v1
endpoint: { name: demo-endpoint, region: us-east-1, baselineVariant: primary, canaryVariant: canary }
strategy:
  canary:
    steps:
      - setWeight: 5
      - pause: { duration: 10m }
      - setWeight: 20
      - pause: {}
      - setWeight: 50
      - pause: { duration: 20m }
analysis:
  interval: 1m
  window: 5m
  minCanaryInvocations: 100
  inconclusiveLimit: 3
  metrics:
    - { name: error-rate, type: errorRate, threshold: 0.05, maxIncrease: 0.01, failureLimit: 2 }
    - { name: p99-latency, type: latency, statistic: p99, thresholdMs: 500, maxIncreasePct: 30, failureLimit: 3 }
rollback:
  onAlarms:
    - { alarmName: demo-canary-5xx, strategy: immediate }
regions:
  - { region: us-west-2, endpointName: demo-endpoint-dr }
`;

export function standardPolicy(yaml = STANDARD_POLICY_YAML): RolloutPolicy {
  const result = parsePolicy(parse(yaml));
  if (!result.ok) throw new Error(`fixture policy invalid: ${result.problems.join('; ')}`);
  return result.policy;
}

export const T0 = Date.parse('2026-01-01T00:00:00Z');
export const MINUTE = 60_000;

function variant(invocations: number, errors5xx: number, p99: number): VariantPeriodMetrics {
  return {
    invocations,
    errors5xx,
    errors4xx: 0,
    latencyAvgMs: 40,
    latencyP50Ms: 38,
    latencyP90Ms: 70,
    latencyP99Ms: p99,
  };
}

export interface Step {
  before: RolloutState | null;
  transition: Transition;
}

/** One real engine transition per notification-worthy event, by name. */
export function transitions(policy = standardPolicy()): Record<string, Step> {
  const started = startRollout(policy, T0);
  const out: Record<string, Step> = { started: { before: null, transition: started } };

  // Healthy minutes until the 10-minute pause completes and the canary goes to 20%.
  let state = started.state;
  for (let m = 1; m <= 10; m++) {
    const t = judgeTick(
      policy,
      state,
      {
        periods: [
          {
            time: T0 + m * MINUTE,
            variants: { primary: variant(2850, 3, 160), canary: variant(150, 0, 150) },
          },
        ],
      },
      T0 + m * MINUTE,
    );
    if (t.state.stepIndex !== state.stepIndex && !out.advanced)
      out.advanced = { before: state, transition: t };
    state = t.state;
  }
  const atTwenty = state;

  // Failing canary: held on the first failure, rolled back on the second.
  let failing = started.state;
  for (let m = 1; m <= 2; m++) {
    const t = judgeTick(
      policy,
      failing,
      {
        periods: [
          {
            time: T0 + m * MINUTE,
            variants: { primary: variant(2850, 3, 160), canary: variant(150, 12, 150) },
          },
        ],
      },
      T0 + m * MINUTE,
    );
    out[m === 1 ? 'held' : 'rolledBack'] = { before: failing, transition: t };
    failing = t.state;
  }

  // No canary traffic: inconclusive, then paused for a person after inconclusiveLimit.
  let quiet = started.state;
  for (let m = 1; m <= 3; m++) {
    const t = judgeTick(
      policy,
      quiet,
      {
        periods: [
          { time: T0 + m * MINUTE, variants: { primary: variant(2850, 3, 160), canary: variant(2, 0, 150) } },
        ],
      },
      T0 + m * MINUTE,
    );
    if (t.state.phase === 'Paused') out.inconclusive = { before: quiet, transition: t };
    quiet = t.state;
  }

  out.alarmRollback = {
    before: started.state,
    transition: applyAlarm(policy, started.state, 'demo-canary-5xx', 'ALARM', T0 + MINUTE),
  };
  const command = (state: RolloutState, c: Parameters<typeof applyCommand>[2], at: number): Step => {
    const r = applyCommand(policy, state, c, at);
    if (!r.ok) throw new Error(r.error);
    return { before: state, transition: r.transition };
  };
  const atFive = started.state;
  out.paused = command(atFive, { type: 'pause', reason: 'looking at dashboards' }, T0 + 1 * MINUTE);
  out.resumed = command(out.paused.transition.state, { type: 'resume' }, T0 + 2 * MINUTE);
  out.waitingForPerson = { before: atTwenty, transition: out.advanced!.transition };
  out.resumedPastManualPause = command(atTwenty, { type: 'resume' }, T0 + 12 * MINUTE);
  out.promoted = command(atTwenty, { type: 'promote', reason: 'looks good' }, T0 + 13 * MINUTE);
  out.aborted = command(atFive, { type: 'abort', reason: 'wrong model' }, T0 + 3 * MINUTE);
  out.operatorRollback = command(
    atFive,
    { type: 'rollback', reason: 'customer complaints' },
    T0 + 3 * MINUTE,
  );
  return out;
}
