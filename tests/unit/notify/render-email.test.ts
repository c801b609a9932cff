import { describe, expect, it } from 'vitest';
import {
  alertNotification,
  endpointChangeNotification,
  notificationFromTransition,
} from '../../../shared/notify/notification';
import { renderSubject } from '../../../shared/notify/subject';
import { renderEmail } from '../../../shared/notify/render-email';
import { standardPolicy, T0, transitions } from './notify-fixtures';

const policy = standardPolicy();
const steps = transitions(policy);

describe('renderEmail', () => {
  it.each([
    ['started', 'A canary rollout started: demo-endpoint (us-east-1)'],
    ['advanced', 'The canary advanced to the next step: demo-endpoint (us-east-1)'],
    ['held', 'The canary is held at its weight: demo-endpoint (us-east-1)'],
    ['rolledBack', 'The canary was rolled back: demo-endpoint (us-east-1)'],
    ['alarmRollback', 'The canary was rolled back: demo-endpoint (us-east-1)'],
    ['inconclusive', 'The canary could not be judged: demo-endpoint (us-east-1)'],
    ['paused', 'The rollout is paused: demo-endpoint (us-east-1)'],
    ['resumed', 'The rollout resumed: demo-endpoint (us-east-1)'],
    ['promoted', 'The canary was promoted: demo-endpoint (us-east-1)'],
    ['aborted', 'The rollout was aborted: demo-endpoint (us-east-1)'],
  ])('opens a %s email with "%s" and every section a reader needs', (key, headline) => {
    const n = notificationFromTransition({ policy, ...steps[key]!, source: 'tick' });
    const text = renderEmail(n);
    expect(text.split('\n')[0]).toBe(headline);
    for (const section of ['WHAT HAPPENED', 'WHY', 'WHAT HAPPENS NEXT', 'HOW TO INTERVENE']) {
      expect(text).toContain(section);
    }
    expect(text).toContain(n.reason);
    expect(text).toContain('$ rollout-watchdog ');
  });

  it("shows the alarm's own reason when an alarm rolled the canary back", () => {
    const reason =
      'Threshold Crossed: 2 out of the last 2 datapoints [131.0, 112.0] were greater than the threshold (30.0)';
    const step = steps.alarmRollback!;
    const evidence = {
      ...step.transition.decision.evidence,
      alarm: { name: 'demo-canary-5xx', state: 'ALARM' as const, reason },
    };
    const transition = { ...step.transition, decision: { ...step.transition.decision, evidence } };
    const text = renderEmail(notificationFromTransition({ policy, ...step, transition, source: 'alarm' }));
    expect(text).toContain('Alarm: demo-canary-5xx is ALARM');
    expect(text).toContain(reason);
  });

  it("gives the alarm's datapoints instead of a table of zeros when no window was judged yet", () => {
    const reason =
      'Threshold Crossed: 2 out of the last 2 datapoints [133.0, 104.0] were greater than the threshold (30.0)';
    const step = steps.alarmRollback!;
    const empty = { invocations: 0, errors5xx: 0, errors4xx: 0, errorRate: null, latencyP99Ms: null };
    const evidence = {
      ...step.transition.decision.evidence,
      baseline: empty,
      canary: empty,
      metrics: [],
      alarm: { name: 'demo-canary-5xx', state: 'ALARM' as const, reason },
    };
    const transition = { ...step.transition, decision: { ...step.transition.decision, evidence } };
    const text = renderEmail(notificationFromTransition({ policy, ...step, transition, source: 'alarm' }));
    expect(text).toContain('No judged window at this instant; the alarm saw:');
    expect(text).toContain(reason);
    expect(text).not.toMatch(/canary\s+0\s+0\s+n\/a/);
  });

  it('shows the numbers behind a rollback: per-variant requests, error rate and p99, and each metric', () => {
    const text = renderEmail(notificationFromTransition({ policy, ...steps.rolledBack!, source: 'tick' }));
    expect(text).toContain('THE NUMBERS');
    expect(text).toMatch(/primary \(baseline\)\s+5,700\s+6\s+0\.1%\s+160 ms/);
    expect(text).toMatch(/canary\s+300\s+24\s+8\.0%\s+150 ms/);
    expect(text).toContain('error-rate: FAIL - canary 8.0%, baseline 0.1%, limit 5.0%, failing in a row 2');
    expect(text).toContain('primary 95% / canary 5%  ->  primary 100% / canary 0%');
  });

  it('lists the problems of an invalid stored policy', () => {
    const text = renderEmail(
      alertNotification({
        kind: 'invalid-policy',
        endpointName: 'demo-endpoint',
        region: 'us-east-1',
        now: T0,
        reason: 'the stored policy is invalid; the last good policy stays in force',
        problems: [
          'analysis.window: must not be shorter than analysis.interval',
          'rollback.onAlarms[0].strategy: unknown',
        ],
      }),
    );
    expect(text).toContain(
      'PROBLEMS\n  - analysis.window: must not be shorter than analysis.interval\n  - rollback.onAlarms[0].strategy: unknown',
    );
    expect(text).toContain('Alert:     invalid-policy');
  });
});

describe('renderEmail of an endpoint change', () => {
  const promoted = steps.promoted!.transition.state;
  const change = {
    kind: 'retire-baseline' as const,
    status: 'done' as const,
    dueAt: T0,
    since: T0,
    attempt: 1,
    targetConfig: 'demo-endpoint-rw0123abcd-promoted',
    previousConfig: 'demo-endpoint-rw0123abcd-canary',
    added: [{ variantName: 'primary', modelName: 'v2', instanceType: 'ml.m5.large', instanceCount: 1 }],
    released: [{ variantName: 'primary', modelName: 'v1', instanceType: 'ml.m5.xlarge', instanceCount: 2 }],
  };

  it('says which configs changed and which instances were added and released', () => {
    const n = endpointChangeNotification({
      policy,
      state: promoted,
      change,
      now: T0,
      reason: 'Baseline retired on demo-endpoint.',
      next: 'Nothing: the endpoint is ready for the next start.',
      source: 'system',
    });
    const text = renderEmail(n);
    expect(text.split('\n')[0]).toBe('The endpoint changed: demo-endpoint (us-east-1)');
    expect(text).toContain('  From:      config demo-endpoint-rw0123abcd-canary');
    expect(text).toContain('  To:        config demo-endpoint-rw0123abcd-promoted');
    expect(text).toContain('  Added:     1 × ml.m5.large (primary, model v2)');
    expect(text).toContain('  Released:  2 × ml.m5.xlarge (primary, model v1)');
    expect(renderSubject(n)).toBe('[ENDPOINT] demo-endpoint: Baseline retired on demo-endpoint');
    expect(n.severity).toBe('info');
  });

  it('is critical when the change failed', () => {
    const n = endpointChangeNotification({
      policy,
      state: promoted,
      change: { ...change, status: 'failed', failure: 'capacity' },
      now: T0,
      reason: 'The baseline retirement of demo-endpoint failed: capacity.',
      next: 'resume',
      source: 'system',
    });
    expect(n.severity).toBe('critical');
    expect(n.endpointChange?.failure).toBe('capacity');
  });
});
