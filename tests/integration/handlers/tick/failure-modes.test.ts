import { SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { UpdateEndpointWeightsAndCapacitiesCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { applyCommand } from '../../../../shared/domain/index';
import type { RolloutRecord } from '../../../../shared/ports/rollout-repository';
import { commitTransition } from '../../../../shared/watchdog/commit-transition';
import { handleAlarmEvent } from '../../../../shared/watchdog/handle-alarm-event';
import { DRAIN_LEASE_MS } from '../../../../shared/watchdog/outbox';
import { runTick } from '../../../../shared/watchdog/run-tick';
import {
  countingDeps,
  createCanaryAlarm,
  createEndpoint,
  type Harness,
  MINUTE,
  REGION,
  standardPolicyText,
  startHarness,
  startRolloutOn,
  storePolicy,
} from './watchdog-harness';

/** The failure modes of issue 4 against the sandbox, one endpoint per case. */
describe('tick failure modes', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('tick-faults');
  });
  afterAll(async () => {
    await h?.close();
  });

  async function startOn(endpointName: string, variants?: [string, string]): Promise<RolloutRecord> {
    await createEndpoint(h, endpointName, variants);
    const text = standardPolicyText(endpointName);
    await storePolicy(h, endpointName, text);
    return startRolloutOn(h, countingDeps(h).deps, endpointName, text);
  }

  async function withIntent(record: RolloutRecord, canaryWeight: number): Promise<RolloutRecord> {
    return h.store.save({ ...record, state: { ...record.state, canaryWeight } }, record.version);
  }

  const tickNow = (deps: ReturnType<typeof countingDeps>['deps']) =>
    runTick(deps, { now: h.clock.now(), correlationId: `t-${h.clock.now()}` });

  const canaryOn = (endpointName: string) =>
    h.sandbox.sagemaker.getEndpointWeights(REGION, endpointName)?.canary;

  const notificationsOf = (endpointName: string) =>
    h.notifications.filter((n) => n.endpointName === endpointName);

  it('sends no weights while someone else keeps the endpoint Updating, and applies them once it settles', async () => {
    const started = await startOn('stuck-ep');
    // A person's own update is in flight (same weights), and stays Updating.
    await h.sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'stuck-ep',
        DesiredWeightsAndCapacities: [
          { VariantName: 'primary', DesiredWeight: 95 },
          { VariantName: 'canary', DesiredWeight: 5 },
        ],
      }),
    );
    h.sandbox.faults.holdEndpoint(REGION, 'stuck-ep');
    await withIntent(started, 20);
    await h.clock.advance(MINUTE);
    const { deps, calls } = countingDeps(h);

    const held = await tickNow(deps);
    expect(held.perRollout.find((r) => r.endpointName === 'stuck-ep')?.outcome).toBe('held');
    expect(calls.setWeights).toBe(0);
    expect((await h.store.get('stuck-ep'))?.appliedCanaryWeight).toBe(5);

    h.sandbox.faults.releaseEndpoint(REGION, 'stuck-ep');
    await h.clock.advance(MINUTE);
    await tickNow(deps);
    expect(calls.setWeights).toBe(1);
    // Sent, not yet served: the rollout stays on the work list until CurrentWeight shows it.
    expect((await h.store.get('stuck-ep'))?.appliedCanaryWeight).toBe(5);
    await h.clock.advance(MINUTE);
    await tickNow(deps);
    expect(calls.setWeights).toBe(1);
    expect((await h.store.get('stuck-ep'))?.appliedCanaryWeight).toBe(20);
  });

  it('keeps a rollout whose accepted weights never land on the work list, and sends them again when the update fails to land', async () => {
    const started = await startOn('noland-ep');
    await withIntent(started, 20);
    await h.clock.advance(MINUTE);
    const { deps, calls } = countingDeps(h);
    // SageMaker accepts the weights, then the endpoint stays Updating: DesiredWeight shows 20, CurrentWeight 5.
    h.sandbox.faults.holdEndpoint(REGION, 'noland-ep');
    await tickNow(deps);
    expect(calls.setWeights).toBe(1);
    await h.clock.advance(MINUTE);
    await tickNow(deps);
    const pending = await h.store.get('noland-ep');
    expect(pending?.appliedCanaryWeight).toBe(5);
    expect((await h.store.listActive()).some((r) => r.endpointName === 'noland-ep')).toBe(true);

    h.sandbox.faults.releaseEndpoint(REGION, 'noland-ep');
    await h.clock.advance(MINUTE);
    await tickNow(deps);
    expect((await h.store.get('noland-ep'))?.appliedCanaryWeight).toBe(20);
    expect(canaryOn('noland-ep')).toBe(20);
  });

  it('aborts and alerts when a policy variant is missing, never sending weights for it', async () => {
    await startOn('novariant-ep', ['primary', 'shadow']);
    await h.clock.advance(MINUTE);
    const { deps, calls } = countingDeps(h);
    await tickNow(deps);

    const record = await h.store.get('novariant-ep');
    expect(record?.state.phase).toBe('Aborted');
    expect(calls.setWeights).toBe(0);
    const alerts = notificationsOf('novariant-ep').filter((n) => n.alertKind === 'missing-variant');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.severity).toBe('critical');
  });

  it('changes nothing on the endpoint when the weights call stays throttled, and applies the intent once throttling ends', async () => {
    const started = await startOn('throttle-ep');
    await h.clock.advance(MINUTE);
    await withIntent(started, 20);
    const rule = h.sandbox.faults.throttle({
      service: 'sagemaker',
      operation: 'UpdateEndpointWeightsAndCapacities',
    });
    const { deps } = countingDeps(h);
    await tickNow(deps);
    expect(canaryOn('throttle-ep')).toBe(5);
    expect((await h.store.get('throttle-ep'))?.appliedCanaryWeight).toBe(5);

    h.sandbox.faults.removeRule(rule);
    await h.clock.advance(MINUTE);
    await tickNow(deps);
    await h.clock.advance(MINUTE);
    await tickNow(deps);
    expect((await h.store.get('throttle-ep'))?.appliedCanaryWeight).toBe(20);
  });

  it('writes no state when the metrics read is throttled', async () => {
    await startOn('metrics-throttle-ep');
    await h.clock.advance(MINUTE);
    const { deps } = countingDeps(h);
    await tickNow(deps); // settles the first weights
    await h.clock.advance(MINUTE);
    const before = await h.store.get('metrics-throttle-ep');
    const rule = h.sandbox.faults.throttle({ service: 'monitoring', operation: 'GetMetricData' });
    try {
      const summary = await tickNow(deps);
      expect(summary.perRollout.find((r) => r.endpointName === 'metrics-throttle-ep')?.outcome).toBe(
        'no-metrics',
      );
    } finally {
      h.sandbox.faults.removeRule(rule);
    }
    expect((await h.store.get('metrics-throttle-ep'))?.version).toBe(before?.version);
  });

  it('repairs a crash right after the weights call without a second weights call, and announces the decision once', async () => {
    const started = await startOn('crash-ep');
    await h.clock.advance(MINUTE);
    const { deps, calls } = countingDeps(h);
    // The function dies as soon as SageMaker has accepted the weights: nothing after it runs.
    const endpoints = deps.endpoints.bind(deps);
    deps.endpoints = (region) => {
      const adapter = endpoints(region);
      return {
        describe: (name: string) => adapter.describe(name),
        setWeights: async (...args: Parameters<typeof adapter.setWeights>) => {
          await adapter.setWeights(...args);
          return new Promise<void>(() => undefined);
        },
      };
    };
    const current = (await h.store.get('crash-ep')) ?? started;
    const promote = applyCommand(current.policy, current.state, { type: 'promote' }, h.clock.now());
    if (!promote.ok) throw new Error(promote.error);
    void commitTransition(deps, current, promote.transition, { source: 'operator', correlationId: 'crash' });
    await vi.waitFor(() => expect(calls.setWeights).toBe(1));
    const broken = await h.store.get('crash-ep');
    expect(broken?.state.canaryWeight).toBe(100);
    expect(broken?.appliedCanaryWeight).toBe(5);
    expect(broken?.outbox?.map((e) => e.notification?.eventType)).toEqual(['rollout.promoted']);

    await h.clock.advance(MINUTE);
    // The dead function's drain lease has run out by the next tick.
    const fresh = countingDeps(h);
    fresh.deps.wallNow = () => Date.now() + DRAIN_LEASE_MS;
    await tickNow(fresh.deps);
    expect(fresh.calls.setWeights).toBe(0);
    const repaired = await h.store.get('crash-ep');
    expect(repaired?.appliedCanaryWeight).toBe(100);
    expect(repaired?.outbox ?? []).toEqual([]);
    expect(canaryOn('crash-ep')).toBe(100);
    expect(notificationsOf('crash-ep').filter((n) => n.eventType === 'rollout.promoted')).toHaveLength(1);
    const history = await h.store.history('crash-ep');
    expect(history.filter((e) => e.action === 'promote')).toHaveLength(1);
  });

  it('keeps the last good policy when the stored one becomes invalid, alerting once', async () => {
    await startOn('badpolicy-ep');
    await storePolicy(h, 'badpolicy-ep', 'apiVersion: rollout-watchdog/v1\nendpoint: {name: badpolicy-ep}\n');
    const { deps } = countingDeps(h);
    for (let i = 0; i < 2; i++) {
      await h.clock.advance(MINUTE);
      await tickNow(deps);
    }
    const record = await h.store.get('badpolicy-ep');
    expect(record?.state.phase).toBe('Progressing');
    expect(record?.policyText).toBe(standardPolicyText('badpolicy-ep'));
    const alerts = notificationsOf('badpolicy-ep').filter((n) => n.alertKind === 'invalid-policy');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.problems?.length).toBeGreaterThan(0);
  });

  it('keeps a policy given at start over an older stored one, and adopts a stored policy changed during the rollout', async () => {
    await createEndpoint(h, 'policy-change-ep');
    const stored = standardPolicyText('policy-change-ep');
    await storePolicy(h, 'policy-change-ep', stored);
    const inline = stored.replace('inconclusiveLimit: 30', 'inconclusiveLimit: 20');
    await startRolloutOn(h, countingDeps(h).deps, 'policy-change-ep', inline);
    const { deps } = countingDeps(h);
    await h.clock.advance(MINUTE);
    await tickNow(deps);
    expect((await h.store.get('policy-change-ep'))?.policyText).toBe(inline);

    const edited = stored.replace('inconclusiveLimit: 30', 'inconclusiveLimit: 25');
    await storePolicy(h, 'policy-change-ep', edited);
    await h.clock.advance(MINUTE);
    await tickNow(deps);
    const record = await h.store.get('policy-change-ep');
    expect(record?.policyText).toBe(edited);
    expect(record?.policy.analysis.inconclusiveLimit).toBe(25);
  });

  it('pauses instead of fighting a person who changed the weights by hand', async () => {
    await startOn('drift-ep');
    await h.clock.advance(MINUTE);
    await h.sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'drift-ep',
        DesiredWeightsAndCapacities: [
          { VariantName: 'primary', DesiredWeight: 50 },
          { VariantName: 'canary', DesiredWeight: 50 },
        ],
      }),
    );
    await h.clock.advance(MINUTE);
    const { deps, calls } = countingDeps(h);
    await tickNow(deps);
    await h.clock.advance(MINUTE);
    await tickNow(deps);
    const record = await h.store.get('drift-ep');
    expect(record?.state.phase).toBe('Paused');
    expect(record?.state.canaryWeight).toBe(50);
    expect(calls.setWeights).toBe(0);
    expect(canaryOn('drift-ep')).toBe(50);
    expect(notificationsOf('drift-ep').filter((n) => n.alertKind === 'drift')).toHaveLength(1);
  });

  it('rolls back on the next tick when the alarm event itself was lost', async () => {
    await startOn('lost-alarm-ep');
    await createCanaryAlarm(h, 'lost-alarm-ep', 'lost-alarm-ep-canary-5xx');
    await h.clock.advance(MINUTE);
    const { deps } = countingDeps(h);
    await tickNow(deps);
    // The alarm fires; no alarm-rollback function is listening in this suite (the event is lost).
    await h.cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: 'lost-alarm-ep-canary-5xx',
        StateValue: 'ALARM',
        StateReason: 'test',
      }),
    );
    // (No clock advance: the sandbox would re-evaluate the alarm from its data at the period close.)
    await tickNow(deps);
    const record = await h.store.get('lost-alarm-ep');
    expect(record?.state.phase).toBe('RolledBack');
    expect(
      notificationsOf('lost-alarm-ep').filter((n) => n.eventType === 'rollout.rolled-back'),
    ).toHaveLength(1);
  });

  it('reads the endpoint once to judge and once to confirm when a tick changes the weights', async () => {
    await startOn('describe-ep');
    await createCanaryAlarm(h, 'describe-ep', 'describe-ep-canary-5xx');
    await h.clock.advance(MINUTE);
    await h.cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: 'describe-ep-canary-5xx',
        StateValue: 'ALARM',
        StateReason: 'test',
      }),
    );
    const { deps, calls } = countingDeps(h);
    await tickNow(deps);
    expect((await h.store.get('describe-ep'))?.state.phase).toBe('RolledBack');
    expect(calls.setWeights).toBe(1);
    expect(calls.describeByEndpoint.get('describe-ep')).toBe(2);
  });

  it('reads an endpoint no decision moves only on its drift-check slot, so many rollouts stay within the DescribeEndpoint rate', async () => {
    const names = ['slot-a', 'slot-b', 'slot-c', 'slot-d', 'slot-e', 'slot-f'];
    for (const name of names) await startOn(name);
    const { deps, calls } = countingDeps(h);
    deps.driftCheckIntervalMs = 3 * MINUTE;
    for (let tick = 0; tick < 3; tick++) {
      await h.clock.advance(MINUTE);
      await tickNow(deps);
    }
    // Three ticks of a three-minute interval: each endpoint read exactly once.
    for (const name of names) expect(calls.describeByEndpoint.get(name)).toBe(1);
    expect(calls.setWeights).toBe(0);
  });

  it.each([
    ['alarm first', 0, 5],
    ['tick first', 5, 0],
    ['same instant', 0, 0],
  ])(
    'ends an alarm-and-tick race (%s) with the canary at 0 and one rollback notification',
    async (label, alarmDelay, tickDelay) => {
      const endpointName = `race-${label.replace(/\s+/g, '-')}`;
      const started = await startOn(endpointName);
      await h.clock.advance(MINUTE);
      // A tick with weights to move (an advance decided earlier) races the alarm.
      await withIntent(started, 20);
      const alarmName = `${endpointName}-canary-5xx`;
      const event = {
        version: '0',
        id: `evt-${endpointName}`,
        'detail-type': 'CloudWatch Alarm State Change',
        source: 'aws.cloudwatch',
        account: '000000000000',
        time: new Date(h.clock.now()).toISOString(),
        region: REGION,
        resources: [`arn:aws:cloudwatch:${REGION}:000000000000:alarm:${alarmName}`],
        detail: {
          alarmName,
          state: {
            value: 'ALARM',
            reason: 'Threshold Crossed',
            timestamp: new Date(h.clock.now()).toISOString(),
          },
          previousState: {
            value: 'OK',
            reason: 'ok',
            timestamp: new Date(h.clock.now() - MINUTE).toISOString(),
          },
          configuration: { metrics: [] },
        },
      };
      const tickDeps = countingDeps(h).deps;
      const alarmDeps = countingDeps(h).deps;
      const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      await Promise.all([
        later(tickDelay).then(() => tickNow(tickDeps)),
        later(alarmDelay).then(() => handleAlarmEvent(alarmDeps, event)),
      ]);
      // Whatever was left pending (endpoint busy) is finished by the next tick.
      await h.clock.advance(MINUTE);
      await tickNow(tickDeps);

      const record = await h.store.get(endpointName);
      expect(record?.state.phase).toBe('RolledBack');
      expect(record?.appliedCanaryWeight).toBe(0);
      await h.clock.advance(MINUTE); // the last weights call takes effect after the endpoint update
      expect(canaryOn(endpointName)).toBe(0);
      expect(notificationsOf(endpointName).filter((n) => n.eventType === 'rollout.rolled-back')).toHaveLength(
        1,
      );
    },
  );
});
