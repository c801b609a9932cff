import { SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCommand } from '../../../../shared/domain/index';
import { commitTransition } from '../../../../shared/watchdog/commit-transition';
import { runTick } from '../../../../shared/watchdog/run-tick';
import {
  alarmStateChangeEvent,
  countingDeps,
  createCanaryAlarm,
  createEndpoint,
  ENDPOINT_DELAY_MS,
  type Harness,
  lambdaContext,
  MINUTE,
  standardPolicyText,
  startHarness,
  startRolloutOn,
  storePolicy,
} from '../tick/watchdog-harness';

type Handler = (
  event: unknown,
  context: unknown,
) => Promise<{ outcome: string; rollouts: Array<{ outcome: string }> }>;

/**
 * What the watchdog promises about each decision, whatever fails between its steps: applied,
 * recorded and announced exactly once. The reproductions of the gaps found by fault injection,
 * through the real alarm handler against the sandbox.
 */
describe('every decision is applied, recorded and announced exactly once', () => {
  let h: Harness;
  let handler: Handler;

  beforeAll(async () => {
    h = await startHarness('guarantees');
    h.applyEnv();
    handler = (await import('../../../../handlers/alarm-rollback')).handler as unknown as Handler;
  });
  afterAll(async () => {
    await h?.close();
  });

  const invoke = (event: unknown) => handler(event, lambdaContext('alarmRollback'));

  async function startOn(endpointName: string) {
    await createEndpoint(h, endpointName);
    const text = standardPolicyText(endpointName);
    await storePolicy(h, endpointName, text);
    await createCanaryAlarm(h, endpointName, `${endpointName}-canary-5xx`);
    await startRolloutOn(h, countingDeps(h).deps, endpointName, text);
    await h.clock.advance(MINUTE);
  }

  const alarmEvent = (endpointName: string, value: 'OK' | 'ALARM', at: number) =>
    alarmStateChangeEvent(`${endpointName}-canary-5xx`, value, at);

  const notificationsOf = (endpointName: string, eventType?: string) =>
    h.notifications.filter(
      (n) => n.endpointName === endpointName && (!eventType || n.eventType === eventType),
    );
  const historyOf = async (endpointName: string, action: string) =>
    (await h.store.history(endpointName)).filter((e) => e.action === action);
  const desiredCanary = async (endpointName: string) =>
    (
      await h.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }))
    ).ProductionVariants?.find((v) => v.VariantName === 'canary')?.DesiredWeight;
  const tick = () =>
    runTick(countingDeps(h).deps, { now: h.clock.now(), correlationId: `tick-${h.clock.now()}` });

  it('acts on the redelivery of an alarm whose first delivery met a DynamoDB outage, though the alarm is OK again by then', async () => {
    await startOn('outage-ep');
    const event = alarmEvent('outage-ep', 'ALARM', h.clock.now());
    const rules = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'].map((operation) =>
      h.sandbox.faults.fail('InternalServerError', { service: 'dynamodb', operation }),
    );
    await expect(invoke(event)).rejects.toThrow();
    for (const rule of rules) h.sandbox.faults.removeRule(rule);
    expect((await h.store.get('outage-ep'))?.state.phase).toBe('Progressing');
    // The alarm returns to OK before Lambda retries: the next tick would not see it any more.
    await h.cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: 'outage-ep-canary-5xx',
        StateValue: 'OK',
        StateReason: 'recovered',
      }),
    );

    const retried = await invoke(structuredClone(event));
    expect(retried.outcome).toBe('acted');
    expect((await h.store.get('outage-ep'))?.state.phase).toBe('RolledBack');
    expect(await desiredCanary('outage-ep')).toBe(0);
    expect(await historyOf('outage-ep', 'rollback')).toHaveLength(1);
    expect(notificationsOf('outage-ep', 'rollout.rolled-back')).toHaveLength(1);
  });

  it.each([
    ['the history write (BatchWriteItem) fails', 'dynamodb', 'BatchWriteItem'],
    ['SNS answers 5xx to the publish', 'sns', 'Publish'],
  ])(
    'keeps the rollback, its history entry and its notification when %s, and the retry delivers each once',
    async (_label, service, operation) => {
      const endpointName = `lost-${operation.toLowerCase()}-ep`;
      await startOn(endpointName);
      const event = alarmEvent(endpointName, 'ALARM', h.clock.now());
      const rule = h.sandbox.faults.fail('InternalFailure', { service, operation });
      // Decided and committed; the handler throws so Lambda retries what is left.
      await expect(invoke(event)).rejects.toThrow(/announcements pending/);
      h.sandbox.faults.removeRule(rule);
      const committed = await h.store.get(endpointName);
      expect(committed?.state.phase).toBe('RolledBack');
      expect(committed?.outbox).toHaveLength(1);
      expect(await desiredCanary(endpointName)).toBe(0);

      const retried = await invoke(structuredClone(event));
      expect(retried.outcome).toBe('duplicate');
      expect((await h.store.get(endpointName))?.outbox ?? []).toEqual([]);
      expect(await historyOf(endpointName, 'rollback')).toHaveLength(1);
      await h.sandbox.sns.idle();
      expect(notificationsOf(endpointName, 'rollout.rolled-back')).toHaveLength(1);
    },
  );

  it('announces a decision overtaken by a rollback as the earlier one, in version order, with the rollback last', async () => {
    await startOn('race-order-ep');
    const record = await h.store.get('race-order-ep');
    if (!record) throw new Error('no rollout');
    const pause = applyCommand(
      record.policy,
      record.state,
      { type: 'pause', reason: 'look closer' },
      h.clock.now(),
    );
    if (!pause.ok) throw new Error(pause.error);
    // The pause's history write is slow; the alarm's rollback is committed meanwhile.
    h.sandbox.faults.delay(1_500, { service: 'dynamodb', operation: 'BatchWriteItem', times: 1 });
    const pausing = commitTransition(countingDeps(h).deps, record, pause.transition, {
      source: 'operator',
      correlationId: 'pause',
      now: h.clock.now(),
    });
    while ((await h.store.get('race-order-ep'))?.state.phase !== 'Paused')
      await new Promise((resolve) => setTimeout(resolve, 20));
    await invoke(alarmEvent('race-order-ep', 'ALARM', h.clock.now()));
    await pausing;
    await h.clock.advance(ENDPOINT_DELAY_MS);
    await tick();
    await h.sandbox.sns.idle();

    const delivered = notificationsOf('race-order-ep').filter((n) => n.eventType !== 'rollout.started');
    expect(delivered.map((n) => n.eventType)).toEqual(['rollout.paused', 'rollout.rolled-back']);
    const [paused, rolledBack] = delivered;
    expect(paused?.rolloutVersion).toBeLessThan(rolledBack?.rolloutVersion ?? 0);
    // The pause left after the rollback was decided: it says so, and names where the rollout is now.
    expect(paused?.current).toMatchObject({ version: rolledBack?.rolloutVersion, phase: 'RolledBack' });
    expect(rolledBack?.current).toMatchObject({ version: rolledBack?.rolloutVersion, phase: 'RolledBack' });
    expect((await h.store.get('race-order-ep'))?.state.phase).toBe('RolledBack');
  });

  it('throws while SageMaker throttles the rollback so Lambda retries it, and keeps the rollout on the tick until the endpoint serves it', async () => {
    await startOn('throttled-ep');
    const event = alarmEvent('throttled-ep', 'ALARM', h.clock.now());
    const rule = h.sandbox.faults.throttle({
      service: 'sagemaker',
      operation: 'UpdateEndpointWeightsAndCapacities',
    });
    await expect(invoke(event)).rejects.toThrow(/weights not accepted/);
    expect((await h.store.get('throttled-ep'))?.state.phase).toBe('RolledBack');
    expect(await desiredCanary('throttled-ep')).toBe(5);
    h.sandbox.faults.removeRule(rule);

    expect((await invoke(structuredClone(event))).outcome).toBe('duplicate');
    expect(await desiredCanary('throttled-ep')).toBe(0);
    // Sent, not yet served: still on the tick's work list until CurrentWeight shows it.
    expect((await h.store.listActive()).map((r) => r.endpointName)).toContain('throttled-ep');
    await h.clock.advance(ENDPOINT_DELAY_MS);
    await tick();
    const served = await h.store.get('throttled-ep');
    expect(served?.appliedCanaryWeight).toBe(0);
    // Nothing owed but the canary's clean-up, which waits for the policy's inspection time.
    expect(served?.outbox ?? []).toEqual([]);
    expect(served?.endpointChange).toMatchObject({ kind: 'remove-canary', status: 'waiting' });
    expect(notificationsOf('throttled-ep', 'rollout.rolled-back')).toHaveLength(1);
  });
});
