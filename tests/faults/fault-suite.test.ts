import { PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { controlApiDeps } from '../../shared/runtime/compose-control-api';
import { runOperatorCommand, startRolloutCommand } from '../../shared/control/control-commands';
import type { ControlResult, CommandOutcome } from '../../shared/control/control-contract';
import { handleAlarmEvent } from '../../shared/watchdog/handle-alarm-event';
import { runTick } from '../../shared/watchdog/run-tick';
import {
  countingDeps,
  createEndpoint,
  type Harness,
  REGION,
  standardPolicyText,
  startHarness,
  startRolloutOn,
  storePolicy,
} from '../integration/handlers/tick/watchdog-harness';
import { countFaultPoint, faultPointSummary, faultPointTotal, MIN_FAULT_POINTS } from './fault-count';
import {
  type FaultKind,
  type FaultPlan,
  injectFault,
  mayRepeatDelivery,
  runOrCrash,
  type Step,
} from './fault-injection';
import { brokenInvariants, deliveredOf } from './fault-invariants';
import { aMinuteLater, alarmEvent, type Later, recoveryTicks, redeliver } from './fault-recovery';

// Issue 9 item 6. Every case: a rollout on its own endpoint, one fault at one step of one run of
// the real code against the sandbox, then what the world does next (Lambda's retries of the
// event, a client retrying its command, the scheduled ticks), then the invariants.

const ALL_KINDS: FaultKind[] = ['5xx', 'throttle', 'timeout', 'crash-before', 'crash-after'];

/**
 * The cases of `steps` (in run order): every kind for a write; for a read the failing kinds (5xx
 * on one read, throttle on the next: both reach the watchdog as the same retryable failure).
 * A crash before a step is the crash after the write before it (reads change nothing), so it is
 * played only where no write precedes: the run's first step and its first write.
 */
function table(steps: Step[], kinds: FaultKind[] = ALL_KINDS): Array<[string, string, FaultPlan]> {
  let writeSeen = false;
  let reads = 0;
  return steps.flatMap((step, index) => {
    let chosen: FaultKind[];
    if (isRead(step)) chosen = [reads++ % 2 === 0 ? '5xx' : 'throttle'];
    else {
      chosen = kinds.filter((k) => k !== 'crash-before' || !writeSeen);
      writeSeen = true;
    }
    if (index === 0 && !chosen.includes('crash-before')) chosen = [...chosen, 'crash-before'];
    return chosen.map((kind): [string, string, FaultPlan] => [kind, step.label, { step, kind }]);
  });
}

const isRead = (step: Step) =>
  [
    'store.get',
    'store.listActive',
    'store.listActiveForAlarm',
    'endpoints.describe',
    'metrics.read',
    'alarms.read',
  ].includes(step.port);

let caseNumber = 0;
const nextName = (prefix: string) => `${prefix}-${++caseNumber}`;

beforeAll(() => {
  // The SDK's retries back off by Math.random() × up to seconds; a throttled step would cost
  // seconds of waiting per case. Tiny distinct values keep every retry (and every random owner
  // and rollout id distinct) while the waits shrink to nothing.
  let n = 0;
  vi.spyOn(Math, 'random').mockImplementation(() => ++n * 1e-9);
});

afterAll(() => {
  vi.restoreAllMocks();
  process.stdout.write(`\n${faultPointSummary()}\n`);
});

async function expectInvariants(
  h: Harness,
  endpointName: string,
  options: { alarmEntered: boolean; repeatAllowed: boolean; later: Later },
  trace: string[],
) {
  const broken = await brokenInvariants(h, {
    endpointName,
    alarmEntered: options.alarmEntered,
    repeatAllowed: options.repeatAllowed,
    wallNow: Date.now() + options.later.wallOffset,
  });
  expect(
    { broken, delivered: deliveredOf(h, endpointName), record: await h.store.get(endpointName) },
    `trace of the faulted run: ${trace.join(' ')}`,
  ).toMatchObject({ broken: [] });
}

describe('alarm path under faults', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('faults-alarm');
  });
  afterAll(async () => {
    await h?.close();
  });

  // handleAlarmEvent's calls for one matching rollout, in order (see the trace in a failure).
  const removal: Step = { label: 'outbox removal write', port: 'store.save', nth: 2 };
  const steps: Step[] = [
    { label: 'rollouts naming the alarm', port: 'store.listActiveForAlarm', nth: 1 },
    { label: 'rollout read', port: 'store.get', nth: 1 },
    { label: 'commit intent write', port: 'store.save', nth: 1 },
    { label: 'DescribeEndpoint before the weights', port: 'endpoints.describe', nth: 1 },
    { label: 're-read before the weights', port: 'store.get', nth: 2 },
    { label: 'UpdateEndpointWeightsAndCapacities', port: 'endpoints.setWeights', nth: 1 },
    { label: 'DescribeEndpoint after the weights', port: 'endpoints.describe', nth: 2 },
    { label: 'outbox history BatchWriteItem', port: 'store.appendHistory', nth: 1 },
    { label: 'outbox SNS Publish', port: 'notifier.publish', nth: 1 },
    removal,
    { label: 'lease release write', port: 'store.save', nth: 3 },
  ];

  it.each(table(steps))(
    'rolls back once, announced once and in order, after a %s at the %s',
    async (_kind, _label, plan) => {
      const endpointName = nextName('alarm');
      await createEndpoint(h, endpointName);
      const text = standardPolicyText(endpointName);
      await storePolicy(h, endpointName, text);
      await startRolloutOn(h, countingDeps(h).deps, endpointName, text);
      await h.clock.advance(60_000);
      const event = alarmEvent(h, `${endpointName}-canary-5xx`);

      const deps = countingDeps(h).deps;
      const injection = injectFault(h, deps, plan);
      const first = await runOrCrash(injection, () => handleAlarmEvent(deps, event));
      expect(injection.fired(), injection.trace.join(' ')).toBe(true);
      countFaultPoint('alarm path');

      const later: Later = { wallOffset: 0 };
      if (first.status !== 'returned') await redeliver(h, later, (d) => handleAlarmEvent(d, event));
      await recoveryTicks(h, later, endpointName);
      await expectInvariants(
        h,
        endpointName,
        { alarmEntered: true, repeatAllowed: mayRepeatDelivery(plan, removal), later },
        injection.trace,
      );
      expect((await h.store.get(endpointName))?.state.phase).toBe('RolledBack');
    },
  );
});

describe('tick under faults', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('faults-tick');
  });
  afterAll(async () => {
    await h?.close();
  });

  // runTick's calls for one rollout whose policy alarm is in ALARM (a rollback), in order. Its
  // first tick also records the stored policy it has seen (a bookkeeping write before the decision).
  const removal: Step = { label: 'outbox removal write', port: 'store.save', nth: 3 };
  const steps: Step[] = [
    { label: 'active rollouts query', port: 'store.listActive', nth: 1 },
    { label: 'metrics read', port: 'metrics.read', nth: 1 },
    { label: 'alarm states read', port: 'alarms.read', nth: 1 },
    { label: 'policy bookkeeping write', port: 'store.save', nth: 1 },
    { label: 'reconcile DescribeEndpoint', port: 'endpoints.describe', nth: 1 },
    { label: 'commit intent write', port: 'store.save', nth: 2 },
    { label: 're-read before the weights', port: 'store.get', nth: 1 },
    { label: 'UpdateEndpointWeightsAndCapacities', port: 'endpoints.setWeights', nth: 1 },
    { label: 'DescribeEndpoint after the weights', port: 'endpoints.describe', nth: 2 },
    { label: 'outbox history BatchWriteItem', port: 'store.appendHistory', nth: 1 },
    { label: 'outbox SNS Publish', port: 'notifier.publish', nth: 1 },
    removal,
    { label: 'lease release write', port: 'store.save', nth: 4 },
  ];

  it.each(table(steps))(
    'rolls back once, announced once and in order, after a %s at the %s',
    async (_kind, _label, plan) => {
      const endpointName = nextName('tick');
      const alarmName = `${endpointName}-canary-5xx`;
      await createEndpoint(h, endpointName);
      const text = standardPolicyText(endpointName, alarmName);
      await storePolicy(h, endpointName, text);
      await startRolloutOn(h, countingDeps(h).deps, endpointName, text);
      // The alarm's event is lost: only the tick sees it, by reading alarm states. Missing data
      // breaches, so the sandbox's own evaluations keep it in ALARM while the ticks run.
      await h.cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: alarmName,
          Namespace: 'AWS/SageMaker',
          MetricName: 'Invocation5XXErrors',
          Dimensions: [
            { Name: 'EndpointName', Value: endpointName },
            { Name: 'VariantName', Value: 'canary' },
          ],
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 30,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'breaching',
        }),
      );
      await h.clock.advance(60_000);
      await h.cloudwatch.send(
        new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'ALARM', StateReason: 'fault suite' }),
      );

      const deps = countingDeps(h).deps;
      const injection = injectFault(h, deps, plan);
      await runOrCrash(injection, () =>
        runTick(deps, { now: h.clock.now(), correlationId: `faulted-${endpointName}` }),
      );
      expect(injection.fired(), injection.trace.join(' ')).toBe(true);
      countFaultPoint('tick');

      const later: Later = { wallOffset: 0 };
      await recoveryTicks(h, later, endpointName);
      await expectInvariants(
        h,
        endpointName,
        { alarmEntered: true, repeatAllowed: mayRepeatDelivery(plan, removal), later },
        injection.trace,
      );
      expect((await h.store.get(endpointName))?.state.phase).toBe('RolledBack');
    },
  );
});

describe('control commands under faults', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('faults-commands');
  });
  afterAll(async () => {
    await h?.close();
  });

  const env = (h: Harness) => ({
    stage: 'test',
    homeRegion: REGION,
    tableName: h.tableName,
    topicArn: h.topicArn,
    parameterPrefix: h.prefix,
    slackWebhookParameter: `${h.prefix}/slack`,
  });
  const commandDeps = (later?: Later) => {
    const deps = controlApiDeps(env(h), {
      policyTtlMs: 0,
      clientConfig: {
        endpoint: h.sandbox.url,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      },
    });
    if (later) {
      const offset = later.wallOffset;
      deps.wallNow = () => Date.now() + offset;
    }
    return deps;
  };
  const ctx = (h: Harness, id: string) => ({
    operator: 'arn:aws:iam::000000000000:user/oncall',
    now: h.clock.now(),
    correlationId: id,
  });
  /** A client retries a command that failed on its side (5xx, a dropped connection), not a refusal. */
  const clientRetries = (outcome: { status: string; value?: ControlResult<CommandOutcome> }) =>
    outcome.status !== 'returned' || (outcome.value?.ok === false && outcome.value.kind === 'unavailable');

  // startRolloutCommand's calls, in order: read, describe, create (with the start's entry), the
  // first weights, then the outbox.
  const startRemoval: Step = { label: 'start: outbox removal write', port: 'store.save', nth: 1 };
  const startSteps: Step[] = [
    { label: 'start: create write', port: 'store.create', nth: 1 },
    { label: 'start: UpdateEndpointWeightsAndCapacities', port: 'endpoints.setWeights', nth: 1 },
    { label: 'start: outbox SNS Publish', port: 'notifier.publish', nth: 1 },
    startRemoval,
  ];
  // runOperatorCommand(rollback)'s calls, in order: read, commit, weights, outbox.
  const rollbackRemoval: Step = { label: 'rollback: outbox removal write', port: 'store.save', nth: 2 };
  const rollbackSteps: Step[] = [
    { label: 'rollback: commit intent write', port: 'store.save', nth: 1 },
    { label: 'rollback: UpdateEndpointWeightsAndCapacities', port: 'endpoints.setWeights', nth: 1 },
    { label: 'rollback: outbox history BatchWriteItem', port: 'store.appendHistory', nth: 1 },
    { label: 'rollback: outbox SNS Publish', port: 'notifier.publish', nth: 1 },
    rollbackRemoval,
  ];
  /** The command cases leave throttling to the alarm path and tick cases (the same failure to the watchdog). */
  const commandKinds: FaultKind[] = ['5xx', 'timeout', 'crash-before', 'crash-after'];

  async function startClean(endpointName: string, later: Later) {
    await createEndpoint(h, endpointName);
    await storePolicy(h, endpointName, standardPolicyText(endpointName));
    const started = await startRolloutCommand(
      commandDeps(later),
      { endpointName },
      ctx(h, `start-${endpointName}`),
    );
    expect(started.ok).toBe(true);
    await recoveryTicks(h, later, endpointName);
  }

  /** Leaves nothing the next cases' ticks would visit (not part of the case). */
  async function cleanUp(endpointName: string, later: Later) {
    await runOperatorCommand(
      commandDeps(later),
      endpointName,
      { type: 'abort' },
      ctx(h, `clean-${endpointName}`),
    );
  }

  it.each(table(startSteps, commandKinds))(
    'starts once, announced once, after a %s at the %s and the client retrying',
    async (_kind, _label, plan) => {
      const endpointName = nextName('start');
      await createEndpoint(h, endpointName);
      await storePolicy(h, endpointName, standardPolicyText(endpointName));
      const deps = commandDeps();
      const injection = injectFault(h, deps, plan);
      const first = await runOrCrash(injection, () =>
        startRolloutCommand(deps, { endpointName }, ctx(h, `start-${endpointName}`)),
      );
      expect(injection.fired(), injection.trace.join(' ')).toBe(true);
      countFaultPoint('commands');

      const later: Later = { wallOffset: 0 };
      if (clientRetries(first)) {
        await aMinuteLater(h, later);
        await startRolloutCommand(commandDeps(later), { endpointName }, ctx(h, `retry-${endpointName}`));
      }
      await recoveryTicks(h, later, endpointName);
      await expectInvariants(
        h,
        endpointName,
        { alarmEntered: false, repeatAllowed: mayRepeatDelivery(plan, startRemoval), later },
        injection.trace,
      );
      expect((await h.store.get(endpointName))?.state.phase).toBe('Progressing');
      await cleanUp(endpointName, later);
    },
  );

  it.each(table(rollbackSteps, commandKinds))(
    'rolls back once, announced once, after a %s at the %s and the client retrying',
    async (_kind, _label, plan) => {
      const endpointName = nextName('rollback');
      const later: Later = { wallOffset: 0 };
      await startClean(endpointName, later);
      const deps = commandDeps(later);
      const injection = injectFault(h, deps, plan);
      const rollback = { type: 'rollback' as const, reason: 'fault suite: canary misbehaves' };
      const first = await runOrCrash(injection, () =>
        runOperatorCommand(deps, endpointName, rollback, ctx(h, `rollback-${endpointName}`)),
      );
      expect(injection.fired(), injection.trace.join(' ')).toBe(true);
      countFaultPoint('commands');

      if (clientRetries(first)) {
        await aMinuteLater(h, later);
        await runOperatorCommand(commandDeps(later), endpointName, rollback, ctx(h, `retry-${endpointName}`));
      }
      await recoveryTicks(h, later, endpointName);
      await expectInvariants(
        h,
        endpointName,
        { alarmEntered: false, repeatAllowed: mayRepeatDelivery(plan, rollbackRemoval), later },
        injection.trace,
      );
      expect((await h.store.get(endpointName))?.state.phase).toBe('RolledBack');
    },
  );
});

it('injects at least the fault points issue 9 asks for', () => {
  expect(faultPointTotal()).toBeGreaterThanOrEqual(MIN_FAULT_POINTS);
});
