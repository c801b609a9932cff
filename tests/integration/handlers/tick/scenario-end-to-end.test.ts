import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RolloutRecord } from '../../../../shared/ports/rollout-repository';
import { createWatchdogRuntime } from '../../../../shared/runtime/compose-canary-tick';
import {
  createCanaryAlarm,
  createEndpoint,
  type Harness,
  lambdaContext,
  loadScenario,
  MINUTE,
  playTraffic,
  scheduledEvent,
  standardPolicyText,
  startHarness,
  startRolloutOn,
  storePolicy,
} from './watchdog-harness';

/**
 * Public scenarios end to end: sandbox traffic split by the weights the real tick handler sets,
 * the real alarm handler fed by the sandbox's alarm events, everything through SDK clients.
 */
describe('canary-tick handler with scenario traffic', () => {
  let h: Harness;
  let tick: (event: unknown, context: unknown) => Promise<unknown>;
  let alarm: (event: unknown, context: unknown) => Promise<unknown>;

  beforeAll(async () => {
    h = await startHarness('tick-e2e');
    h.applyEnv();
    tick = (await import('../../../../handlers/canary-tick')).handler as never;
    alarm = (await import('../../../../handlers/alarm-rollback')).handler as never;
    h.sandbox.bus.subscribe(async (event) => {
      await alarm(event, lambdaContext('alarmRollback'));
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function play(
    endpointName: string,
    scenarioName: string,
    maxMinutes: number,
  ): Promise<{ record: RolloutRecord; startedAt: number }> {
    const scenario = loadScenario(scenarioName);
    const alarmName = `${endpointName}-canary-5xx`;
    const policyText = standardPolicyText(endpointName, alarmName);
    await createEndpoint(h, endpointName);
    await storePolicy(h, endpointName, policyText);
    await createCanaryAlarm(h, endpointName, alarmName);
    const deps = createWatchdogRuntime(
      {
        stage: 'x',
        homeRegion: 'us-east-1',
        tableName: h.tableName,
        topicArn: h.topicArn,
        parameterPrefix: h.prefix,
        slackWebhookParameter: 'x',
      },
      {},
    );
    await startRolloutOn(h, deps, endpointName, policyText);
    const startedAt = h.clock.now();
    const traffic = playTraffic(h, scenario, endpointName);
    try {
      for (let minute = 0; minute < maxMinutes; minute++) {
        await h.clock.advance(MINUTE);
        await tick(scheduledEvent(h), lambdaContext('canaryTick'));
        const record = await h.store.get(endpointName);
        if (
          record &&
          record.state.phase !== 'Progressing' &&
          record.appliedCanaryWeight === record.state.canaryWeight
        )
          return { record, startedAt };
      }
    } finally {
      traffic.stop();
    }
    const record = await h.store.get(endpointName);
    if (!record) throw new Error('rollout vanished');
    return { record, startedAt };
  }

  it('promotes a healthy canary through every step, with the endpoint at 100% canary', async () => {
    const { record, startedAt } = await play('healthy-e2e', 'healthy-steady', 80);
    expect(record.state.phase).toBe('Promoted');
    expect(record.appliedCanaryWeight).toBe(100);
    const events = h.notifications.filter((n) => n.endpointName === 'healthy-e2e').map((n) => n.eventType);
    expect(events).toContain('rollout.promoted');
    expect(events).not.toContain('rollout.rolled-back');
    const history = await h.store.history('healthy-e2e', { limit: 200 });
    const promotion = history.find((e) => e.action === 'promote');
    // The steps pause 10 + 10 + 20 minutes: promotion cannot come sooner.
    expect(Date.parse(promotion?.time ?? '') - startedAt).toBeGreaterThanOrEqual(40 * MINUTE);
  });

  it('rolls back a canary whose 5XX rate spikes, canary at 0 on the endpoint, one rollback notification', async () => {
    const { record, startedAt } = await play('spike-e2e', 'canary-5xx-spike', 60);
    expect(record.state.phase).toBe('RolledBack');
    expect(record.appliedCanaryWeight).toBe(0);
    expect(h.sandbox.sagemaker.getEndpointWeights('us-east-1', 'spike-e2e')?.canary ?? 0).toBe(0);
    const rollbacks = h.notifications.filter(
      (n) => n.endpointName === 'spike-e2e' && n.eventType === 'rollout.rolled-back',
    );
    expect(rollbacks).toHaveLength(1);
    const history = await h.store.history('spike-e2e', { limit: 200 });
    const rollback = history.find((e) => e.phase === 'RolledBack' && e.kind !== 'weights');
    expect(rollback).toBeDefined();
    // Not before the regression starts (minute 25 of the traffic).
    expect(Date.parse(rollback?.time ?? '') - startedAt).toBeGreaterThan(25 * MINUTE);
  });

  it('acknowledges an event without a valid time and runs no tick (never the wall clock)', async () => {
    const before = (await h.store.listActive()).map((r) => `${r.endpointName}@${r.version}`);
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (event) => {
        const result = (await tick(event, lambdaContext('canaryTick'))) as { rollouts: number };
        expect(result.rollouts).toBe(0);
      }),
      { numRuns: 100 },
    );
    expect((await h.store.listActive()).map((r) => `${r.endpointName}@${r.version}`)).toEqual(before);
  });
});
