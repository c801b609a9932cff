import {
  DescribeEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alarmStateChangeEvent,
  countingDeps,
  createEndpoint,
  type Harness,
  lambdaContext,
  MINUTE,
  REGION,
  standardPolicyText,
  startHarness,
  startRolloutOn,
  storePolicy,
} from '../tick/watchdog-harness';

type Handler = (
  event: unknown,
  context: unknown,
) => Promise<{ outcome: string; rollouts: Array<{ outcome: string }> }>;

/** The alarm-rollback handler in-process against the sandbox, one endpoint per case. */
describe('alarm-rollback handler', () => {
  let h: Harness;
  let handler: Handler;

  beforeAll(async () => {
    h = await startHarness('alarm-events');
    h.applyEnv();
    handler = (await import('../../../../handlers/alarm-rollback')).handler as unknown as Handler;
  });
  afterAll(async () => {
    await h?.close();
  });

  const invoke = (event: unknown) => handler(event, lambdaContext('alarmRollback'));

  async function startOn(endpointName: string, alarmName = `${endpointName}-canary-5xx`) {
    await createEndpoint(h, endpointName);
    const text = standardPolicyText(endpointName, alarmName);
    await storePolicy(h, endpointName, text);
    const record = await startRolloutOn(h, countingDeps(h).deps, endpointName, text);
    await h.clock.advance(MINUTE);
    return record;
  }

  const alarmEvent = alarmStateChangeEvent;

  const canaryOn = (endpointName: string) =>
    h.sandbox.sagemaker.getEndpointWeights(REGION, endpointName)?.canary;
  const rollbacksOf = (endpointName: string) =>
    h.notifications.filter((n) => n.endpointName === endpointName && n.eventType === 'rollout.rolled-back');

  it('rolls back at once on ALARM and acts once on a duplicate delivery', async () => {
    await startOn('dup-ep');
    const event = alarmEvent('dup-ep-canary-5xx', 'ALARM', h.clock.now());
    const first = await invoke(event);
    const second = await invoke(structuredClone(event));
    expect(first.outcome).toBe('acted');
    // Duplicate by its receipt in the rollout, or ignored once the rollout is finished: either way, no new decision.
    expect(['duplicate', 'ignored']).toContain(second.outcome);
    expect(second.rollouts.every((r) => r.outcome === 'duplicate')).toBe(true);
    const record = await h.store.get('dup-ep');
    expect(record?.state.phase).toBe('RolledBack');
    // The first weights call may meet the endpoint still updating; the tick finishes it.
    expect([0, 5]).toContain(canaryOn('dup-ep'));
    expect(rollbacksOf('dup-ep')).toHaveLength(1);
  });

  it('throws after committing a rollback it cannot get onto an Updating endpoint, and the retried delivery finishes it without deciding again', async () => {
    await startOn('busy-ep');
    // Someone else's update is in flight and stays Updating: SageMaker refuses new weights meanwhile.
    await h.sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'busy-ep',
        DesiredWeightsAndCapacities: [
          { VariantName: 'primary', DesiredWeight: 95 },
          { VariantName: 'canary', DesiredWeight: 5 },
        ],
      }),
    );
    h.sandbox.faults.holdEndpoint(REGION, 'busy-ep');
    const event = alarmEvent('busy-ep-canary-5xx', 'ALARM', h.clock.now());
    try {
      await expect(invoke(event)).rejects.toThrow(/busy-ep/);
      const record = await h.store.get('busy-ep');
      expect(record?.state.phase).toBe('RolledBack');
      expect(record?.appliedCanaryWeight).toBe(5);
      expect(rollbacksOf('busy-ep')).toHaveLength(1);
      // Lambda's retry while the endpoint is still busy: still not done, still one decision.
      await expect(invoke(structuredClone(event))).rejects.toThrow(/busy-ep/);
    } finally {
      h.sandbox.faults.releaseEndpoint(REGION, 'busy-ep');
    }
    await h.clock.advance(MINUTE);
    const retried = await invoke(structuredClone(event));
    expect(retried.outcome).toBe('duplicate');
    const desired = await h.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'busy-ep' }));
    expect(desired.ProductionVariants?.find((v) => v.VariantName === 'canary')?.DesiredWeight).toBe(0);
    expect(rollbacksOf('busy-ep')).toHaveLength(1);
    expect((await h.store.history('busy-ep')).filter((e) => e.action === 'rollback')).toHaveLength(1);
  });

  it('ignores an event older than the last one processed for that alarm', async () => {
    await startOn('order-ep');
    const now = h.clock.now();
    const newer = await invoke(alarmEvent('order-ep-canary-5xx', 'OK', now));
    expect(newer.rollouts[0]?.outcome).not.toBe('stale');
    const before = await h.store.get('order-ep');
    const older = await invoke(alarmEvent('order-ep-canary-5xx', 'ALARM', now - 30_000));
    expect(older.rollouts[0]?.outcome).toBe('stale');
    const after = await h.store.get('order-ep');
    expect(after?.state.phase).toBe('Progressing');
    expect(after?.version).toBe(before?.version);
  });

  it('holds on INSUFFICIENT_DATA without touching the weights', async () => {
    await startOn('insufficient-ep');
    const result = await invoke(alarmEvent('insufficient-ep-canary-5xx', 'INSUFFICIENT_DATA', h.clock.now()));
    expect(result.outcome).toBe('acted');
    const record = await h.store.get('insufficient-ep');
    expect(record?.state.phase).toBe('Progressing');
    expect(record?.state.canaryWeight).toBe(5);
  });

  it.each([
    [
      'a composite alarm without metrics',
      'composite-ep',
      { configuration: { alarmRule: 'ALARM(a) OR ALARM(b)' } },
    ],
    ['an alarm name with spaces', 'spaces-ep', {}],
    ['a state without reasonData', 'noreason-ep', {}],
  ])('rolls back on %s', async (_label, endpointName, detail) => {
    const alarmName = endpointName === 'spaces-ep' ? 'Canary 5xx of spaces ep' : `${endpointName}-canary-5xx`;
    await startOn(endpointName, alarmName);
    const event = alarmEvent(alarmName, 'ALARM', h.clock.now(), detail);
    if (endpointName === 'noreason-ep') {
      delete ((event.detail as Record<string, unknown>).state as Record<string, unknown>).reasonData;
    }
    const result = await invoke(event);
    expect(result.outcome).toBe('acted');
    expect((await h.store.get(endpointName))?.state.phase).toBe('RolledBack');
  });

  // The foreign and malformed events name the rollout's own alarm, so only the event check
  // stands between them and a rollback.
  it.each<[string, (event: Record<string, unknown>, ownAlarm: string) => Record<string, unknown>]>([
    ['a foreign detail-type', (e) => ({ ...e, 'detail-type': 'CloudWatch Alarm Configuration Change' })],
    ['a malformed state', (e, own) => ({ ...e, detail: { alarmName: own, state: { value: 'MAYBE' } } })],
    [
      'an alarm no policy names',
      (e) => ({
        ...e,
        resources: [`arn:aws:cloudwatch:${REGION}:000000000000:alarm:nobody-names-this`],
        detail: { ...(e.detail as object), alarmName: 'nobody-names-this' },
      }),
    ],
    // Issue 10: the policy's alarm name and region, from another account.
    ['an alarm event of another account', (e) => ({ ...e, account: '111122223333' })],
    [
      'an alarm of another account named in resources',
      (e, own) => ({ ...e, resources: [`arn:aws:cloudwatch:${REGION}:111122223333:alarm:${own}`] }),
    ],
  ])('acknowledges %s and changes nothing', async (label, shape) => {
    const endpointName = `ignored-${label.replace(/\W+/g, '-')}`.slice(0, 60);
    await startOn(endpointName);
    const ownAlarm = `${endpointName}-canary-5xx`;
    const event = shape(alarmEvent(ownAlarm, 'ALARM', h.clock.now()), ownAlarm);
    const before = await h.store.listActive();
    const result = await invoke(event);
    expect(result.outcome).toBe('ignored');
    const after = await h.store.listActive();
    expect(after.map((r) => r.version)).toEqual(before.map((r) => r.version));
  });

  it('never throws on an arbitrary event and changes nothing', async () => {
    await startOn('property-ep');
    const before = (await h.store.listActive()).map((r) => `${r.endpointName}@${r.version}`);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          fc.record({
            'detail-type': fc.constantFrom('CloudWatch Alarm State Change', 'Scheduled Event', 'x'),
            source: fc.constantFrom('aws.cloudwatch', 'aws.events'),
            time: fc.oneof(fc.string(), fc.constant('2026-01-01T00:00:00Z')),
            region: fc.constantFrom(REGION, 'eu-west-1', ''),
            resources: fc.array(fc.string(), { maxLength: 2 }),
            detail: fc.oneof(
              fc.jsonValue(),
              fc.record({
                alarmName: fc.string(),
                state: fc.record({ value: fc.string(), timestamp: fc.string() }),
              }),
            ),
          }),
        ),
        async (event) => {
          const result = await invoke(event);
          expect(['ignored', 'duplicate', 'acted']).toContain(result.outcome);
        },
      ),
      { numRuns: 150 },
    );
    const after = (await h.store.listActive()).map((r) => `${r.endpointName}@${r.version}`);
    expect(after).toEqual(before);
  });
});
