import { SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { controlApiDeps } from '../../shared/runtime/compose-control-api';
import { runOperatorCommand, startRolloutCommand } from '../../shared/control/control-commands';
import type { ControlResult, CommandOutcome } from '../../shared/control/control-contract';
import { handleAlarmEvent } from '../../shared/watchdog/handle-alarm-event';
import { runTick } from '../../shared/watchdog/run-tick';
import {
  countingDeps,
  createCanaryAlarm,
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
import { type PostFault, slackDecision, type SlackRig, startSlackRig } from './slack-fault-rig';
import { slackNotifierRetryAttempts } from '../integration/notify/async-invocation';
import { SLACK_MAX_ATTEMPTS } from '../../shared/notify/slack-delivery';
import { SDK_MAX_ATTEMPTS } from '../../shared/runtime/client-cache';
import type { SlackBehaviour, SlackFailure } from '../../sandbox/slack-sink';

// Issue 9 item 6. Every case of the alarm path, the tick and the commands: a rollout on its own
// endpoint, one fault at one step of one run of the real code against the sandbox, then what the
// world does next (Lambda's retries of the event, a client retrying its command, the scheduled
// ticks), then the invariants. Every Slack case: one decision published to the topic, one fault on
// the real Slack notifier's path, Lambda's async retries and, where it kept the event, an
// operator's redrive; then what reached Slack and the email list.

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

/** A Retry-After the notifier waits out within its run (below its cap). Seconds. */
const SHORT_RETRY_AFTER_SECONDS = 1;
/** A Retry-After above the notifier's cap (20 s): it gives up at once and the run throws. Seconds. */
const LONG_RETRY_AFTER_SECONDS = 120;

/** The status the sandbox's Slack sink answers for each refusal it plays. */
const SINK_STATUS: Record<SlackFailure, number> = {
  rate_limited: 429,
  no_service: 404,
  channel_not_found: 404,
  channel_is_archived: 410,
  action_prohibited: 403,
  invalid_payload: 400,
  server_error: 500,
};

/**
 * One fault on the Slack notifier's path. `sink`: how the webhook answers. `wire`: a sandbox
 * rule on an AWS call, for every SDK attempt of that many runs (a lost reply: once). `post`: a
 * fault only the process can play. `expect`: delivered exactly once; kept on the failure
 * destination, then delivered (or alerted) once by a redrive; at most twice with the same
 * decision (the documented repeats); refused without a retry. `runs`: the function's runs,
 * Lambda's retries included. `alerts`: revoked-webhook emails.
 */
interface SlackCase {
  kind: string;
  step: string;
  sink?: SlackBehaviour;
  wire?: { op: 'GetParameter' | 'Publish'; kind: '5xx' | 'throttle' | 'lost-reply'; runs: number };
  post?: PostFault;
  expect: 'delivered' | 'kept' | 'repeat' | 'refused';
  runs: number;
  alerts?: number | 'at most 2';
}

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
      await createCanaryAlarm(h, endpointName, alarmName, {
        evaluationPeriods: 1,
        treatMissingData: 'breaching',
      });
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

  /** A start refuses a policy naming a missing alarm: the standard policy's alarm exists, quiet. */
  async function quietAlarm(endpointName: string) {
    await createCanaryAlarm(h, endpointName, `${endpointName}-canary-5xx`, {
      evaluationPeriods: 1,
      treatMissingData: 'notBreaching',
    });
  }

  async function startClean(endpointName: string, later: Later) {
    await createEndpoint(h, endpointName);
    await storePolicy(h, endpointName, standardPolicyText(endpointName));
    await quietAlarm(endpointName);
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
      await quietAlarm(endpointName);
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

describe('Slack notifier under faults', () => {
  let rig: SlackRig;
  beforeAll(async () => {
    rig = await startSlackRig();
  });
  afterAll(async () => {
    await rig?.close();
  });

  /** Runs of one invocation: the first and Lambda's retries (maximumRetryAttempts). */
  const RUNS = slackNotifierRetryAttempts() + 1;

  const cases: SlackCase[] = [
    // Reading the webhook URL (SSM GetParameter, every SDK attempt failing).
    {
      kind: '5xx',
      step: 'webhook URL read',
      wire: { op: 'GetParameter', kind: '5xx', runs: 1 },
      expect: 'delivered',
      runs: 2,
    },
    {
      kind: 'throttle',
      step: 'webhook URL read',
      wire: { op: 'GetParameter', kind: 'throttle', runs: 1 },
      expect: 'delivered',
      runs: 2,
    },
    {
      kind: '5xx past the retries',
      step: 'webhook URL read',
      wire: { op: 'GetParameter', kind: '5xx', runs: RUNS },
      expect: 'kept',
      runs: RUNS,
    },
    // The function dies once it holds the URL, before it posts: nothing reached Slack.
    {
      kind: 'crash',
      step: 'moment before the webhook POST',
      post: 'crash-before',
      expect: 'delivered',
      runs: 2,
    },
    // The webhook POST.
    {
      kind: '500 once',
      step: 'webhook POST',
      sink: { failure: 'server_error', times: 1 },
      expect: 'delivered',
      runs: 1,
    },
    {
      kind: '500 for a whole run',
      step: 'webhook POST',
      sink: { failure: 'server_error', times: SLACK_MAX_ATTEMPTS },
      expect: 'delivered',
      runs: 2,
    },
    {
      kind: '500 past the retries',
      step: 'webhook POST',
      sink: { failure: 'server_error', times: SLACK_MAX_ATTEMPTS * RUNS },
      expect: 'kept',
      runs: RUNS,
    },
    {
      kind: '429 with a short Retry-After',
      step: 'webhook POST',
      sink: { failure: 'rate_limited', times: 1, retryAfterSeconds: SHORT_RETRY_AFTER_SECONDS },
      expect: 'delivered',
      runs: 1,
    },
    {
      kind: '429 with a Retry-After above the cap',
      step: 'webhook POST',
      sink: { failure: 'rate_limited', times: 1, retryAfterSeconds: LONG_RETRY_AFTER_SECONDS },
      expect: 'delivered',
      runs: 2,
    },
    {
      kind: '429 above the cap past the retries',
      step: 'webhook POST',
      sink: { failure: 'rate_limited', times: RUNS, retryAfterSeconds: LONG_RETRY_AFTER_SECONDS },
      expect: 'kept',
      runs: RUNS,
    },
    { kind: 'lost reply', step: 'webhook POST', post: 'lost-reply', expect: 'repeat', runs: 1 },
    {
      kind: '404 (revoked)',
      step: 'webhook POST',
      sink: { failure: 'no_service' },
      expect: 'refused',
      runs: 1,
      alerts: 1,
    },
    {
      kind: '410 (channel archived)',
      step: 'webhook POST',
      sink: { failure: 'channel_is_archived' },
      expect: 'refused',
      runs: 1,
      alerts: 1,
    },
    { kind: '403', step: 'webhook POST', sink: { failure: 'action_prohibited' }, expect: 'refused', runs: 1 },
    { kind: '400', step: 'webhook POST', sink: { failure: 'invalid_payload' }, expect: 'refused', runs: 1 },
    // The function dies once Slack took the post, before it could remember it.
    { kind: 'crash', step: 'moment after the webhook POST', post: 'crash-after', expect: 'repeat', runs: 2 },
    // The revoked webhook's email alert (SNS Publish, armed once Slack answered 404).
    {
      kind: 'crash',
      step: 'moment between the 404 and the alert publish',
      sink: { failure: 'no_service' },
      post: 'crash-after',
      expect: 'refused',
      runs: 2,
      alerts: 1,
    },
    {
      kind: '5xx',
      step: 'revoked-webhook alert publish',
      sink: { failure: 'no_service' },
      wire: { op: 'Publish', kind: '5xx', runs: 1 },
      expect: 'refused',
      runs: 2,
      alerts: 1,
    },
    {
      kind: 'throttle',
      step: 'revoked-webhook alert publish',
      sink: { failure: 'no_service' },
      wire: { op: 'Publish', kind: 'throttle', runs: 1 },
      expect: 'refused',
      runs: 2,
      alerts: 1,
    },
    {
      kind: '5xx past the retries',
      step: 'revoked-webhook alert publish',
      sink: { failure: 'no_service' },
      wire: { op: 'Publish', kind: '5xx', runs: RUNS },
      expect: 'kept',
      runs: RUNS,
      alerts: 1,
    },
    {
      kind: 'lost reply',
      step: 'revoked-webhook alert publish',
      sink: { failure: 'no_service' },
      wire: { op: 'Publish', kind: 'lost-reply', runs: 1 },
      expect: 'refused',
      runs: 1,
      alerts: 'at most 2',
    },
  ];

  /** What the case holds the notifier to, as the test's name says it. */
  const behaviour = (c: SlackCase): string => {
    const alerted =
      c.alerts === undefined
        ? ''
        : c.alerts === 'at most 2'
          ? ', and alerts by email at most twice'
          : ', and alerts by email exactly once';
    switch (c.expect) {
      case 'delivered':
        return 'reaches Slack exactly once';
      case 'repeat':
        return 'reaches Slack at most twice, the same decision';
      case 'kept':
        return c.sink?.failure === 'no_service'
          ? 'is kept, then alerts by email exactly once on a redrive'
          : 'is kept, then reaches Slack exactly once on a redrive';
      case 'refused':
        return `is not retried by the notifier${alerted}`;
    }
  };

  it.each(cases.map((c): [string, string, string, SlackCase] => [behaviour(c), c.kind, c.step, c]))(
    'a decision %s after a %s at the %s',
    async (_behaviour, _kind, _label, c) => {
      const n = nextName('slack');
      const hook = `fault-${n}`;
      const notification = slackDecision(n, 3);
      const slack = rig.sandbox.slack;
      const faults = rig.sandbox.faults;
      const rules: string[] = [];
      // A wire fault on the alert publish is armed by Slack's 404, so the decision's own publish
      // to the topic (before the notifier runs) does not meet it.
      const armWire = () => {
        if (!c.wire) return;
        const service = c.wire.op === 'GetParameter' ? 'ssm' : 'sns';
        const scope = {
          service,
          operation: c.wire.op,
          times: c.wire.kind === 'lost-reply' ? 1 : SDK_MAX_ATTEMPTS * c.wire.runs,
        };
        rules.push(
          c.wire.kind === '5xx'
            ? faults.fail('InternalFailure', scope)
            : c.wire.kind === 'throttle'
              ? faults.throttle(scope)
              : faults.loseReply(scope, 'reset'),
        );
      };
      let armed = false;
      await rig.newCase(hook, {
        ...(c.post ? { fault: { kind: c.post, nth: 1 } } : {}),
        onAnswer: (status) => {
          if (c.wire?.op === 'Publish' && status === 404 && !armed) {
            armed = true;
            armWire();
          }
        },
      });
      if (c.sink) slack.behave(hook, c.sink);
      if (c.wire?.op === 'GetParameter') armWire();
      const failedBefore = rig.lambda.failed.length;
      const runsBefore = rig.lambda.runs();
      const alertsBefore = await rig.alertMails();

      try {
        await rig.publish(notification);
        // A point counts only when its fault played: the sink answered as told, the wire rule was
        // used up, the in-process fault happened.
        const answered = slack.attempts(hook).map((a) => a.status);
        const played =
          (!c.sink || answered.includes(SINK_STATUS[c.sink.failure])) &&
          (!c.wire ||
            (rules.length > 0 && rules.every((id) => !faults.snapshot().rules.some((r) => r.id === id)))) &&
          (!c.post || rig.postFaultFired());
        expect(played, `answers ${answered.join(',')}`).toBe(true);
        countFaultPoint('slack');

        const texts = () => slack.posts(hook).map((p) => p.text ?? '');
        const kept = rig.lambda.failed.slice(failedBefore);
        // Every run that threw was retried by Lambda: the runs say what the handler did.
        expect(rig.lambda.runs() - runsBefore, `answers ${answered.join(',')}`).toBe(c.runs);
        if (c.expect === 'kept') {
          // Kept while the fault lasted: nothing posted, the event on the failure destination.
          expect(texts()).toEqual([]);
          expect(kept).toHaveLength(1);
          expect(JSON.stringify(kept[0]!.requestPayload)).toContain(notification.notificationId);
          expect((await rig.alertMails()) - alertsBefore).toBe(0);
          // The fault is over; an operator redrives the kept event, in a new container.
          await rig.redrive(kept[0]!.requestPayload);
          expect(rig.lambda.failed.length - failedBefore).toBe(1);
        } else {
          expect(kept).toEqual([]);
        }
        const posted = texts();
        const subject = `[ROLLED BACK #${notification.rolloutVersion}] ${n}`;
        expect(
          posted.every((t) => t.startsWith(subject)),
          posted.join('\n'),
        ).toBe(true);
        if (c.expect === 'refused' || (c.expect === 'kept' && c.sink?.failure === 'no_service')) {
          // 400/403/404/410 are not retried by the notifier: one POST per run, none accepted.
          expect(posted).toEqual([]);
          expect(slack.attempts(hook)).toHaveLength(rig.lambda.runs() - runsBefore);
        } else if (c.expect === 'repeat') {
          // Slack took the post but nobody learnt it: the one documented repeat, the same decision.
          expect(posted.length).toBeGreaterThanOrEqual(1);
          expect(posted.length).toBeLessThanOrEqual(2);
          expect(new Set(posted).size).toBe(1);
        } else {
          expect(posted).toHaveLength(1);
        }
        const alerts = (await rig.alertMails()) - alertsBefore;
        if (c.alerts === 'at most 2') expect([1, 2]).toContain(alerts);
        else expect(alerts).toBe(c.alerts ?? 0);
      } finally {
        for (const id of rules) faults.removeRule(id);
        slack.reset(hook);
      }
    },
  );
});

it('injects at least the fault points issue 9 asks for', () => {
  expect(faultPointTotal()).toBeGreaterThanOrEqual(MIN_FAULT_POINTS);
});
