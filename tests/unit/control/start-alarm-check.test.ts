import { describe, expect, it } from 'vitest';
import { startRolloutCommand } from '../../../shared/control/control-commands';
import { makeFakes, rawPolicy } from './control-fakes';

const EP = 'unit-alarms';
const NOW = Date.parse('2026-03-01T10:00:00Z');
const ctx = { operator: 'arn:aws:iam::1:user/bob', now: NOW, correlationId: 'req-alarms' };
const FIVE_XX = 'unit-alarms-canary-5xx';
const LATENCY = 'unit-alarms-p99';

/** Fakes whose policy names both alarms, `FIVE_XX` and `LATENCY`, each in `states` (absent: missing). */
function withAlarms(states: Record<string, 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'>) {
  const fakes = makeFakes();
  for (const [name, state] of Object.entries(states)) fakes.alarms.states.set(name, state);
  const policy = rawPolicy(EP, [FIVE_XX, LATENCY]);
  return { ...fakes, policy };
}

describe('startRolloutCommand: the alarm check', () => {
  it('reads the alarms the policy names in one batch, in the endpoint region, and starts when none is in ALARM', async () => {
    const fakes = withAlarms({ [FIVE_XX]: 'OK', [LATENCY]: 'INSUFFICIENT_DATA' });
    const result = await startRolloutCommand(fakes.deps, { endpointName: EP, policy: fakes.policy }, ctx);
    expect(result).toMatchObject({ ok: true, body: { outcome: 'applied' } });
    expect(fakes.alarms.reads).toEqual([[FIVE_XX, LATENCY]]);
    expect(fakes.alarms.regions).toEqual(['us-east-1']);
    if (result.ok) expect(result.body.override).toBeUndefined();
    expect(fakes.store.histories.get(EP)?.[0]?.reason).not.toMatch(/overridden/);
  });

  it('reads nothing when the policy names no alarm', async () => {
    const fakes = makeFakes();
    const result = await startRolloutCommand(fakes.deps, { endpointName: EP, policy: rawPolicy(EP) }, ctx);
    expect(result.ok).toBe(true);
    expect(fakes.alarms.reads).toEqual([]);
  });

  it('refuses with a conflict naming the alarm in ALARM and how to override, changing nothing', async () => {
    const fakes = withAlarms({ [FIVE_XX]: 'ALARM', [LATENCY]: 'OK' });
    const result = await startRolloutCommand(fakes.deps, { endpointName: EP, policy: fakes.policy }, ctx);
    expect(result).toMatchObject({ ok: false, kind: 'conflict', problems: [`alarm ${FIVE_XX} is in ALARM`] });
    if (result.ok) return;
    expect(result.error).toContain(`alarm(s) ${FIVE_XX} already in ALARM`);
    expect(result.error).toContain(`rollout-watchdog start ${EP} --force --reason TEXT`);
    expect(result.error).not.toContain(LATENCY);
    expect(fakes.store.records.size).toBe(0);
    expect(fakes.endpoint.calls).toEqual([]);
    expect(fakes.published).toEqual([]);
  });

  it('refuses an alarm that does not exist, saying the rollout would never roll back on it', async () => {
    const fakes = withAlarms({ [FIVE_XX]: 'OK' });
    const result = await startRolloutCommand(fakes.deps, { endpointName: EP, policy: fakes.policy }, ctx);
    expect(result).toMatchObject({
      ok: false,
      kind: 'conflict',
      problems: [`alarm ${LATENCY} does not exist in us-east-1`],
    });
    if (!result.ok) expect(result.error).toMatch(/would never be rolled back on them/);
    expect(fakes.store.records.size).toBe(0);
  });

  it('lists every alarm in ALARM and every missing one in one refusal', async () => {
    const fakes = withAlarms({ [FIVE_XX]: 'ALARM' });
    const result = await startRolloutCommand(fakes.deps, { endpointName: EP, policy: fakes.policy }, ctx);
    expect(result).toMatchObject({
      ok: false,
      kind: 'conflict',
      problems: [`alarm ${FIVE_XX} is in ALARM`, `alarm ${LATENCY} does not exist in us-east-1`],
    });
  });

  it('fails closed with unavailable when CloudWatch cannot be read', async () => {
    const fakes = withAlarms({});
    fakes.alarms.failure = new Error('ThrottlingException: Rate exceeded');
    const result = await startRolloutCommand(fakes.deps, { endpointName: EP, policy: fakes.policy }, ctx);
    expect(result).toMatchObject({ ok: false, kind: 'unavailable' });
    if (!result.ok) {
      expect(result.error).toContain('Rate exceeded');
      expect(result.error).toContain('--force --reason');
    }
    expect(fakes.store.records.size).toBe(0);
    expect(fakes.endpoint.calls).toEqual([]);
  });

  it('checks the alarms only once the endpoint allows the start (an Updating endpoint is refused without a read)', async () => {
    const fakes = withAlarms({ [FIVE_XX]: 'ALARM' });
    fakes.endpoint.status = 'Updating';
    const result = await startRolloutCommand(fakes.deps, { endpointName: EP, policy: fakes.policy }, ctx);
    expect(result).toMatchObject({ ok: false, kind: 'conflict' });
    expect(fakes.alarms.reads).toEqual([]);
  });

  it('starts when forced with a reason, recording who, why and which alarms were in ALARM in history and the notification', async () => {
    const fakes = withAlarms({ [FIVE_XX]: 'ALARM', [LATENCY]: 'OK' });
    const result = await startRolloutCommand(
      fakes.deps,
      { endpointName: EP, policy: fakes.policy, reason: 'alarm is the old model, ticket 42', force: true },
      ctx,
    );
    const override = {
      operator: ctx.operator,
      reason: 'alarm is the old model, ticket 42',
      alarmsInAlarm: [FIVE_XX],
      missingAlarms: [],
    };
    expect(result).toMatchObject({ ok: true, body: { outcome: 'applied', override } });
    expect(fakes.endpoint.calls).toEqual([{ primary: 90, canary: 10 }]);

    const entry = fakes.store.histories.get(EP)?.[0];
    expect(entry).toMatchObject({ kind: 'start', cause: { kind: 'started', override } });
    expect(entry?.reason).toContain(
      `alarm check overridden by ${ctx.operator} (alarm(s) ${FIVE_XX} in ALARM): alarm is the old model, ticket 42`,
    );
    expect(fakes.published).toHaveLength(1);
    expect(fakes.published[0]).toMatchObject({
      eventType: 'rollout.started',
      actor: ctx.operator,
      cause: { override },
    });
    expect(fakes.published[0]?.reason).toBe(entry?.reason);
  });

  it('starts when forced past unreadable alarm states, recording why they could not be read', async () => {
    const fakes = withAlarms({});
    fakes.alarms.failure = new Error('AccessDenied: not authorized to perform cloudwatch:DescribeAlarms');
    const result = await startRolloutCommand(
      fakes.deps,
      {
        endpointName: EP,
        policy: fakes.policy,
        reason: 'CloudWatch outage, canary watched by hand',
        force: true,
      },
      ctx,
    );
    expect(result).toMatchObject({
      ok: true,
      body: {
        override: {
          alarmsInAlarm: [],
          missingAlarms: [],
          unreadable: expect.stringContaining('AccessDenied'),
        },
      },
    });
    expect(fakes.store.histories.get(EP)?.[0]?.reason).toMatch(/alarm states unreadable \(.*AccessDenied/);
  });

  it('records no override when forced but the check found nothing', async () => {
    const fakes = withAlarms({ [FIVE_XX]: 'OK', [LATENCY]: 'OK' });
    const result = await startRolloutCommand(
      fakes.deps,
      { endpointName: EP, policy: fakes.policy, reason: 'habit', force: true },
      ctx,
    );
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.body.override).toBeUndefined();
    expect(fakes.store.histories.get(EP)?.[0]?.cause).not.toHaveProperty('override');
  });

  it('refuses force without a reason before reading anything', async () => {
    const fakes = withAlarms({ [FIVE_XX]: 'ALARM' });
    const result = await startRolloutCommand(
      fakes.deps,
      { endpointName: EP, policy: fakes.policy, force: true },
      ctx,
    );
    expect(result).toMatchObject({
      ok: false,
      kind: 'invalid',
      problems: ['reason: required with force: say why the alarm check is overridden'],
    });
    expect(fakes.alarms.reads).toEqual([]);
    expect(fakes.store.records.size).toBe(0);
  });
});
