import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointConfigCommand,
  SageMakerClient,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpLambdaInvoker, type LambdaInvoker } from '../../sandbox/lambda-invoker';
import { SANDBOX_CREDENTIALS, sandboxClientConfig } from '../../sandbox/local-stack/sandbox-clients';
import { configureScenario, createVariantEndpoint } from '../../sandbox/local-stack/scenario-endpoint';
import { LOCAL_SLACK_HOOK } from '../../sandbox/local-stack/start-local-stack';
import { applyCommand } from '../../shared/domain/index';
import { createWatchdogRuntime } from '../../shared/runtime/compose-canary-tick';
import { readEnv } from '../../shared/runtime/env';
import { catalogueScenarioFile } from '../../shared/simulation/scenario-catalogue';
import { loadScenarioFile, type Scenario } from '../../shared/simulation/scenario-schema';
import { commitTransition } from '../../shared/watchdog/commit-transition';
import { ENDPOINT_DELAY_MS, type E2eStack, MINUTE, startE2eStack } from './local-stack-fixture';

/**
 * The failure modes of issue 4, each on its own endpoint, against the bundled functions hosted by
 * serverless-offline: events reach them through the sandbox's event router or the Lambda invoke
 * API, exactly as EventBridge and SNS would deliver them. The in-process suites under
 * tests/integration/handlers cover the same cases with counters on every AWS call.
 */

const FUNCTION = (key: string) => `rollout-watchdog-local-${key}`;
/** How long to wait for asynchronous deliveries (SNS → Slack notifier) to show. Wall-clock ms. */
const SETTLE_TIMEOUT_MS = 20_000;

let e2e: E2eStack;
let invoker: LambdaInvoker;
let scenario: Scenario;
let clients: { sagemaker: SageMakerClient; cloudwatch: CloudWatchClient; ssm: SSMClient };

async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An endpoint with a healthy canary at 5 %, its rollout started through the control API. */
async function startRolloutOn(endpointName: string): Promise<void> {
  const target = { sandboxUrl: e2e.stack.sandbox.url, region: e2e.stack.region };
  await createVariantEndpoint({ ...target, endpointName, ...scenario.endpoint });
  await configureScenario({
    ...target,
    parameterPrefix: e2e.stack.provisioned.parameterPrefix,
    scenario,
    endpointName,
  });
  await e2e.clock.advance(ENDPOINT_DELAY_MS);
  e2e.stack.sandbox.playScenario({ scenario, region: e2e.stack.region, endpointName, stopAtEnd: false });
  const started = await e2e.api.start({ endpointName });
  if (!started.ok) throw new Error(`start ${endpointName}: ${started.status} ${started.error}`);
  await e2e.clock.advance(ENDPOINT_DELAY_MS); // the first weights land
}

const canaryShare = (endpointName: string) =>
  e2e.stack.sandbox.sagemaker.getEndpointWeights(e2e.stack.region, endpointName)?.canary;

async function phaseOf(endpointName: string): Promise<string | undefined> {
  const status = await e2e.api.status(endpointName);
  return status.ok ? status.body.phase : undefined;
}

/** Slack messages about `endpointName` whose fallback text contains `marker`. */
function slackAbout(endpointName: string, marker: string): string[] {
  return e2e.stack.sandbox.slack
    .posts(LOCAL_SLACK_HOOK)
    .map((p) => p.text ?? '')
    .filter((t) => t.includes(endpointName) && t.includes(marker));
}

async function advanceMinutes(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await e2e.clock.advance(MINUTE);
}

function alarmEvent(alarmName: string, value: string, time: number): Record<string, unknown> {
  const iso = new Date(time).toISOString();
  return {
    version: '0',
    id: `race-${alarmName}-${time}`,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '000000000000',
    time: iso,
    region: e2e.stack.region,
    resources: [`arn:aws:cloudwatch:${e2e.stack.region}:000000000000:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: { value, reason: 'Threshold Crossed: 2 datapoints [90.0, 80.0] > 30.0', timestamp: iso },
      previousState: { value: 'OK', reason: 'healthy', timestamp: iso },
      configuration: { metrics: [] },
    },
  };
}

function scheduledEvent(time: number): Record<string, unknown> {
  return {
    version: '0',
    id: `tick-${time}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date(time).toISOString(),
    region: e2e.stack.region,
    // The local stage's own tick rule (serverless.yml params, tickRuleArn): the tick acts on no other.
    resources: ['arn:aws:events:us-east-1:000000000000:rule/rollout-watchdog-local-canary-tick'],
    detail: {},
  };
}

describe('failure modes, on the bundled functions in serverless-offline', () => {
  beforeAll(async () => {
    e2e = await startE2eStack();
    invoker = createHttpLambdaInvoker(e2e.stack.offline.lambdaUrl);
    scenario = loadScenarioFile(catalogueScenarioFile('healthy-steady'));
    const config = sandboxClientConfig(e2e.stack.sandbox.url, e2e.stack.region);
    clients = {
      sagemaker: new SageMakerClient(config),
      cloudwatch: new CloudWatchClient(config),
      ssm: new SSMClient(config),
    };
  }, 180_000);

  afterAll(async () => {
    await e2e?.stack.close();
  });

  it('rolls back once when the alarm event is delivered twice, with one notification', async () => {
    await startRolloutOn('dup-ep');
    await advanceMinutes(2);
    e2e.stack.sandbox.faults.duplicateDeliveries(1, 'events');
    await clients.cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: 'dup-ep-demo-canary-5xx',
        StateValue: 'ALARM',
        StateReason: 'operator test',
      }),
    );
    await eventually(async () => (await phaseOf('dup-ep')) === 'RolledBack', 'the rollback');
    await e2e.clock.advance(ENDPOINT_DELAY_MS);
    await e2e.stack.sandbox.sns.idle();
    await eventually(() => slackAbout('dup-ep', 'ROLLED BACK').length > 0, 'the Slack message');
    const delivery = e2e.stack.sandbox.events
      ?.deliveries()
      .filter((d) => d.functionName === FUNCTION('alarmRollback') && d.verdict === 'duplicate');
    expect(delivery?.at(-1)?.invocations).toBe(2);
    expect(canaryShare('dup-ep')).toBe(0);
    expect(slackAbout('dup-ep', 'ROLLED BACK')).toHaveLength(1);
  });

  it('ignores an alarm event older than the last one it processed for that alarm', async () => {
    await startRolloutOn('order-ep');
    const now = e2e.clock.now();
    const invokeAlarm = (value: string, time: number) =>
      invoker.invoke(FUNCTION('alarmRollback'), alarmEvent('order-ep-demo-canary-5xx', value, time), {
        async: false,
      });
    expect((await invokeAlarm('OK', now)).functionError).toBeUndefined();
    const stale = await invokeAlarm('ALARM', now - 30_000); // delivered late, from before the OK
    expect(stale.functionError).toBeUndefined();
    expect(stale.payload).toMatchObject({ rollouts: [{ outcome: 'stale' }] });
    expect(await phaseOf('order-ep')).toBe('Progressing');
    expect(canaryShare('order-ep')).toBe(5);
  });

  it.each([
    ['a foreign detail-type', { 'detail-type': 'CloudWatch Alarm Configuration Change' }],
    ['an alarm no policy names', { detail: { alarmName: 'someone-elses-alarm', state: { value: 'ALARM' } } }],
    ['a malformed event', { detail: 'not an object' }],
  ])('acknowledges %s without an error and changes nothing', async (_what, patch) => {
    if ((await phaseOf('foreign-ep')) === undefined) await startRolloutOn('foreign-ep');
    const event = { ...alarmEvent('foreign-ep-demo-canary-5xx', 'ALARM', e2e.clock.now()), ...patch };
    const result = await invoker.invoke(FUNCTION('alarmRollback'), event, { async: false });
    expect(result.functionError).toBeUndefined();
    expect(await phaseOf('foreign-ep')).toBe('Progressing');
    expect(canaryShare('foreign-ep')).toBe(5);
  });

  it('sends no weights while the endpoint is stuck Updating, and advances once it settles', async () => {
    await startRolloutOn('stuck-ep');
    e2e.stack.sandbox.faults.holdEndpoint(e2e.stack.region, 'stuck-ep');
    await advanceMinutes(12); // past the 10-minute pause at 5 %
    expect(canaryShare('stuck-ep')).toBe(5);
    e2e.stack.sandbox.faults.releaseEndpoint(e2e.stack.region, 'stuck-ep');
    await advanceMinutes(2);
    expect(canaryShare('stuck-ep')).toBe(20);
  });

  it('aborts and alerts when the canary variant disappears, sending no weights for it', async () => {
    await startRolloutOn('novariant-ep');
    await advanceMinutes(1);
    await clients.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'novariant-ep-config-2',
        ProductionVariants: [
          {
            VariantName: 'primary',
            ModelName: 'novariant-ep-model',
            InitialInstanceCount: 1,
            InstanceType: 'ml.m5.large',
            InitialVariantWeight: 1,
          },
        ],
      }),
    );
    await clients.sagemaker.send(
      new UpdateEndpointCommand({
        EndpointName: 'novariant-ep',
        EndpointConfigName: 'novariant-ep-config-2',
      }),
    );
    await advanceMinutes(2);
    expect(await phaseOf('novariant-ep')).toBe('Aborted');
    expect(e2e.stack.sandbox.sagemaker.getEndpointWeights(e2e.stack.region, 'novariant-ep')).toEqual({
      primary: 100,
    });
    await e2e.stack.sandbox.sns.idle();
    await eventually(() => slackAbout('novariant-ep', 'canary').length > 1, 'the alert');
  });

  it('changes nothing while the weights call is throttled, and applies the decision once it is not', async () => {
    await startRolloutOn('throttle-ep');
    await advanceMinutes(9);
    const rule = e2e.stack.sandbox.faults.throttle({
      service: 'sagemaker',
      operation: 'UpdateEndpointWeightsAndCapacities',
    });
    await advanceMinutes(2); // the advance to 20 % is decided here
    expect(canaryShare('throttle-ep')).toBe(5);
    e2e.stack.sandbox.faults.removeRule(rule);
    // The next tick sends the weights; the endpoint serves them once its update completes.
    await advanceMinutes(2);
    expect(canaryShare('throttle-ep')).toBe(20);
  });

  it('ends an alarm-and-tick race with the canary at 0 and one rollback notification', async () => {
    await startRolloutOn('race-ep');
    await advanceMinutes(9);
    const at = e2e.clock.now() + MINUTE;
    await Promise.all([
      invoker.invoke(FUNCTION('canaryTick'), scheduledEvent(at), { async: false }),
      invoker.invoke(FUNCTION('alarmRollback'), alarmEvent('race-ep-demo-canary-5xx', 'ALARM', at), {
        async: false,
      }),
    ]);
    await advanceMinutes(2);
    expect(await phaseOf('race-ep')).toBe('RolledBack');
    expect(canaryShare('race-ep')).toBe(0);
    await e2e.stack.sandbox.sns.idle();
    await eventually(() => slackAbout('race-ep', 'ROLLED BACK').length > 0, 'the Slack message');
    expect(slackAbout('race-ep', 'ROLLED BACK')).toHaveLength(1);
  });

  it('repairs a crash right after the weights call on the next ticks, announcing the decision once', async () => {
    await startRolloutOn('crash-ep');
    await advanceMinutes(1);
    // A function that promotes, sends the weights and dies: nothing after the weights call runs.
    const env = readEnv({
      STAGE: 'local',
      AWS_REGION: e2e.stack.region,
      TABLE_NAME: e2e.stack.provisioned.tableName,
      TOPIC_ARN: e2e.stack.provisioned.topicArn,
    });
    const deps = createWatchdogRuntime(env, {
      clientConfig: {
        endpoint: e2e.stack.sandbox.url,
        credentials: SANDBOX_CREDENTIALS,
      },
    });
    let sent = false;
    const endpoints = deps.endpoints.bind(deps);
    deps.endpoints = (region) => {
      const adapter = endpoints(region);
      return {
        describe: (name: string) => adapter.describe(name),
        setWeights: async (...args: Parameters<typeof adapter.setWeights>) => {
          await adapter.setWeights(...args);
          sent = true;
          return new Promise<void>(() => undefined);
        },
      };
    };
    const record = await deps.store.get('crash-ep');
    if (!record) throw new Error('no crash-ep rollout');
    const promote = applyCommand(record.policy, record.state, { type: 'promote' }, e2e.clock.now());
    if (!promote.ok) throw new Error(promote.error);
    void commitTransition(deps, record, promote.transition, { source: 'operator', correlationId: 'crash' });
    await eventually(() => sent, 'the weights call');
    // The decision is committed with its announcement pending; the weights are not confirmed.
    const crashed = await e2e.api.status('crash-ep');
    expect(crashed.ok && crashed.body).toMatchObject({ phase: 'Promoted', pendingWeights: true });

    await advanceMinutes(2);
    const repaired = await e2e.api.status('crash-ep');
    expect(repaired.ok && repaired.body).toMatchObject({ phase: 'Promoted', pendingWeights: false });
    expect(canaryShare('crash-ep')).toBe(100);
  });

  it('delivers to Slack after a 429 with Retry-After, and treats a 404 as permanent without undoing the decision', async () => {
    await startRolloutOn('slack-ep');
    const slack = e2e.stack.sandbox.slack;
    // The hook is shared with the other tests' endpoints: count only this endpoint's messages,
    // and let the start notification land before the hook misbehaves.
    const attemptsAbout = (marker: string) =>
      slack.attempts(LOCAL_SLACK_HOOK).filter((a) => a.body.includes('slack-ep') && a.body.includes(marker));
    await e2e.stack.sandbox.sns.idle();
    await eventually(() => slackAbout('slack-ep', 'STARTED').length === 1, 'the start message');
    try {
      slack.behave(LOCAL_SLACK_HOOK, { failure: 'rate_limited', times: 1, retryAfterSeconds: 1 });
      const paused = await e2e.api.command('slack-ep', 'pause', 'checking dashboards');
      expect(paused.ok).toBe(true);
      await e2e.stack.sandbox.sns.idle();
      await eventually(
        () => slackAbout('slack-ep', 'PAUSED').length === 1,
        'the paused message after the 429',
      );
      expect(attemptsAbout('PAUSED').map((a) => a.status)).toEqual([429, 200]);

      slack.behave(LOCAL_SLACK_HOOK, { failure: 'no_service' });
      const resumed = await e2e.api.command('slack-ep', 'resume');
      expect(resumed.ok).toBe(true);
      await e2e.stack.sandbox.sns.idle();
      await eventually(() => attemptsAbout('RESUMED').length > 0, 'the refused post');
      await new Promise((r) => setTimeout(r, 1_500)); // time enough for a retry that must not come
      expect(attemptsAbout('RESUMED').map((a) => a.status)).toEqual([404]);
      expect(await phaseOf('slack-ep')).toBe('Progressing');
    } finally {
      slack.reset(LOCAL_SLACK_HOOK);
    }
  });

  it('keeps the last good policy when the stored one turns invalid, alerting once', async () => {
    await startRolloutOn('badpolicy-ep');
    await clients.ssm.send(
      new PutParameterCommand({
        Name: `${e2e.stack.provisioned.parameterPrefix}/policies/badpolicy-ep`,
        Value: 'apiVersion: rollout-watchdog/v1\nendpoint: { name: badpolicy-ep }\n',
        Type: 'String',
        Overwrite: true,
      }),
    );
    await advanceMinutes(11);
    expect(await phaseOf('badpolicy-ep')).toBe('Progressing');
    expect(canaryShare('badpolicy-ep')).toBe(20); // the last good policy's steps go on
    await e2e.stack.sandbox.sns.idle();
    await eventually(() => slackAbout('badpolicy-ep', '[ALERT #').length > 0, 'the policy alert');
    expect(slackAbout('badpolicy-ep', '[ALERT #')).toHaveLength(1);
  });
});
