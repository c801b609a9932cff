import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, httpEvent, lambdaContext, standardPolicy, startHarness } from './control-api-fixture';

const SUITE = 'ctlapi';
const ALICE = 'arn:aws:iam::123456789012:user/alice';

type Invoke = (
  event: ReturnType<typeof httpEvent>,
) => Promise<{ statusCode: number; body: string; headers: Record<string, string> }>;

let harness: Harness;
let invoke: Invoke;

async function call(method: string, path: string, options: Parameters<typeof httpEvent>[2] = {}) {
  const response = await invoke(httpEvent(method, path, { now: harness.sandbox.clock.now(), ...options }));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read field by field in assertions
  return { status: response.statusCode, headers: response.headers, body: JSON.parse(response.body) as any };
}

beforeAll(async () => {
  harness = await startHarness(SUITE);
  await harness.createEndpoint(`${SUITE}-flow`);
  await harness.createEndpoint(`${SUITE}-rb`);
  await harness.createEndpoint(`${SUITE}-stored`);
  await harness.createEndpoint(`${SUITE}-nocanary`, { variants: ['primary', 'other'] });
  await harness.createEndpoint(`${SUITE}-alarmed`);
  const module = await import('../../../../handlers/control-api');
  invoke = (event) => module.handler(event, lambdaContext('controlApi')) as ReturnType<Invoke>;
});

afterAll(async () => {
  await harness?.close();
});

describe('control API: a full rollout through the operator commands', () => {
  const endpoint = `${SUITE}-flow`;

  it('starts a rollout with an inline policy and applies its first weights to the endpoint', async () => {
    const response = await call('POST', '/rollouts', {
      body: { endpointName: endpoint, policy: await standardPolicy(endpoint), reason: 'ship v2' },
      userArn: ALICE,
    });
    expect(response.status).toBe(201);
    expect(response.body.rollout).toMatchObject({
      endpointName: endpoint,
      phase: 'Progressing',
      weights: { primary: 95, canary: 5 },
      step: 'pause 10m',
    });
    await harness.settle();
    expect(harness.sandbox.sagemaker.getEndpointWeights('us-east-1', endpoint)).toEqual({
      primary: 95,
      canary: 5,
    });
  });

  it('announces the start with the operator identity', async () => {
    const started = await harness.notification(
      (n) => n.endpointName === endpoint && n.eventType === 'rollout.started',
    );
    expect(started?.actor).toBe(ALICE);
    expect(started?.reason).toContain(ALICE);
    expect(started?.reason).toContain('ship v2');
  });

  it('refuses to start a second rollout while one is in progress', async () => {
    const response = await call('POST', '/rollouts', {
      body: { endpointName: endpoint, policy: await standardPolicy(endpoint) },
    });
    expect(response.status).toBe(409);
    expect(response.body.error).toMatch(/is Progressing/);
  });

  it('lists the rollout as active', async () => {
    const response = await call('GET', '/rollouts');
    expect(response.status).toBe(200);
    expect(response.body.active.map((r: { endpointName: string }) => r.endpointName)).toContain(endpoint);
  });

  it('shows status with the last decision and the weights the endpoint reports', async () => {
    const response = await call('GET', `/rollouts/${endpoint}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      phase: 'Progressing',
      stepIndex: 1,
      weights: { primary: 95, canary: 5 },
      appliedWeights: { primary: 95, canary: 5 },
      pendingWeights: false,
      endpoint: { status: 'InService', weights: { primary: 95, canary: 5 } },
      lastDecision: { kind: 'start' },
    });
    expect(response.body.lastDecision.evidence).toBeDefined();
  });

  it('pauses, refuses a second pause, resumes and promotes, moving the endpoint to the canary', async () => {
    const paused = await call('POST', `/rollouts/${endpoint}/pause`, {
      body: { reason: 'lunch' },
      userArn: ALICE,
    });
    expect(paused.status).toBe(200);
    expect(paused.body.rollout).toMatchObject({ phase: 'Paused', pauseCause: 'operator' });

    const again = await call('POST', `/rollouts/${endpoint}/pause`);
    expect(again.status).toBe(409);

    await harness.settle();
    const resumed = await call('POST', `/rollouts/${endpoint}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.rollout.phase).toBe('Progressing');

    await harness.settle();
    const promoted = await call('POST', `/rollouts/${endpoint}/promote`, {
      body: { reason: 'looks good' },
      userArn: ALICE,
    });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({
      outcome: 'applied',
      rollout: { phase: 'Promoted', weights: { primary: 0, canary: 100 } },
    });
    await harness.settle();
    expect(harness.sandbox.sagemaker.getEndpointWeights('us-east-1', endpoint)).toEqual({
      primary: 0,
      canary: 100,
    });
    const promotedNote = await harness.notification(
      (n) => n.endpointName === endpoint && n.eventType === 'rollout.promoted',
    );
    expect(promotedNote?.actor).toBe(ALICE);
  });

  it('refuses commands on a finished rollout', async () => {
    const response = await call('POST', `/rollouts/${endpoint}/resume`);
    expect(response.status).toBe(409);
  });

  it('returns history newest first, honouring ?limit=', async () => {
    const all = await call('GET', `/rollouts/${endpoint}/history`);
    expect(all.status).toBe(200);
    const times = all.body.entries.map((e: { time: string }) => e.time);
    expect([...times].sort().reverse()).toEqual(times);
    expect(all.body.entries[0].phase).toBe('Promoted');
    expect(all.body.entries.at(-1).kind).toBe('start');
    expect(
      all.body.entries.some((e: { reason: string }) => e.reason.includes(`paused by ${ALICE} (lunch)`)),
    ).toBe(true);

    const two = await call('GET', `/rollouts/${endpoint}/history`, { query: { limit: '2' } });
    expect(two.body.entries).toEqual(all.body.entries.slice(0, 2));
  });

  it('refuses a new rollout while the promoted rollout still owes its baseline retirement', async () => {
    const response = await call('POST', '/rollouts', {
      body: { endpointName: endpoint, policy: await standardPolicy(endpoint) },
    });
    expect(response.status).toBe(409);
    expect(response.body.error).toMatch(/is Promoted and its baseline retirement is due at 2026-/);
  });

  it('lists the promoted rollout as active while its baseline retirement is due', async () => {
    const response = await call('GET', '/rollouts');
    const active = response.body.active.find((r: { endpointName: string }) => r.endpointName === endpoint);
    expect(active).toMatchObject({
      phase: 'Promoted',
      endpointChange: { kind: 'retire-baseline', status: 'waiting' },
    });
    expect(active.endpointChange.description).toMatch(/^baseline retirement due at /);
  });
});

describe('control API: rollback', () => {
  const endpoint = `${SUITE}-rb`;

  beforeAll(async () => {
    const started = await call('POST', '/rollouts', {
      body: { endpointName: endpoint, policy: await standardPolicy(endpoint) },
    });
    expect(started.status).toBe(201);
    await harness.settle();
  });

  it('requires a reason', async () => {
    const response = await call('POST', `/rollouts/${endpoint}/rollback`);
    expect(response.status).toBe(400);
    expect(response.body.problems).toEqual(['reason: required: say why you roll back']);
  });

  it('rolls back with the reason, sends the canary to 0 and records who and why', async () => {
    const response = await call('POST', `/rollouts/${endpoint}/rollback`, {
      body: { reason: 'p99 regression seen in the dashboard' },
      userArn: ALICE,
    });
    expect(response.status).toBe(200);
    expect(response.body.rollout).toMatchObject({
      phase: 'RolledBack',
      weights: { primary: 100, canary: 0 },
    });
    await harness.settle();
    expect(harness.sandbox.sagemaker.getEndpointWeights('us-east-1', endpoint)).toEqual({
      primary: 100,
      canary: 0,
    });

    const history = await call('GET', `/rollouts/${endpoint}/history`, { query: { limit: '1' } });
    expect(history.body.entries[0]).toMatchObject({ phase: 'RolledBack', source: 'operator' });
    expect(history.body.entries[0].reason).toContain(ALICE);
    expect(history.body.entries[0].reason).toContain('p99 regression seen in the dashboard');
    const note = await harness.notification(
      (n) => n.endpointName === endpoint && n.eventType === 'rollout.rolled-back',
    );
    expect(note).toMatchObject({ actor: ALICE, source: 'operator', severity: 'critical' });
  });
});

describe('control API: starting with the stored policy', () => {
  const endpoint = `${SUITE}-stored`;

  it('answers 400 naming the parameter when no policy is stored and none is given', async () => {
    const response = await call('POST', '/rollouts', { body: { endpointName: endpoint } });
    expect(response.status).toBe(400);
    expect(response.body.problems).toEqual([
      `policy: required, because no policy is stored at ${harness.prefix}/policies/${endpoint}`,
    ]);
  });

  it('starts from the policy stored in SSM', async () => {
    await new SSMClient({}).send(
      new PutParameterCommand({
        Name: `${harness.prefix}/policies/${endpoint}`,
        Type: 'String',
        Value: await standardPolicy(endpoint),
      }),
    );
    const response = await call('POST', '/rollouts', { body: { endpointName: endpoint } });
    expect(response.status).toBe(201);
    expect(response.body.rollout.weights).toEqual({ primary: 95, canary: 5 });
  });

  it('aborts, sending all traffic back to the baseline', async () => {
    await harness.settle();
    const response = await call('POST', `/rollouts/${endpoint}/abort`, { body: { reason: 'wrong model' } });
    expect(response.status).toBe(200);
    expect(response.body.rollout).toMatchObject({ phase: 'Aborted', weights: { primary: 100, canary: 0 } });
    await harness.settle();
    expect(harness.sandbox.sagemaker.getEndpointWeights('us-east-1', endpoint)).toEqual({
      primary: 100,
      canary: 0,
    });
  });

  it('starts a new rollout once the previous one is final', async () => {
    const response = await call('POST', '/rollouts', { body: { endpointName: endpoint } });
    expect(response.status).toBe(201);
    const history = await call('GET', `/rollouts/${endpoint}/history`);
    const rollouts = new Set(history.body.entries.map((e: { rolloutId: string }) => e.rolloutId));
    expect(rollouts.size).toBe(2);
  });
});

describe('control API: refusals', () => {
  it('answers 400 listing every problem of an invalid body', async () => {
    const response = await call('POST', '/rollouts', {
      body: { endpointName: 'not a name!', policy: 7, reason: '', color: 'blue' },
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid request');
    expect(response.body.problems).toHaveLength(4);
  });

  it('answers 400 listing every problem of an invalid policy', async () => {
    const endpoint = `${SUITE}-flow`;
    const policy = (await standardPolicy(endpoint))
      .replace('setWeight: 20', 'setWeight: 120')
      .replace('window: 5m', 'window: 5 minutes');
    const response = await call('POST', '/rollouts', { body: { endpointName: endpoint, policy } });
    expect(response.status).toBe(400);
    expect(response.body.problems.length).toBeGreaterThanOrEqual(2);
    for (const problem of response.body.problems) expect(problem).toMatch(/^policy/);
    expect(response.body.problems.join('\n')).toMatch(/steps\[2\]\.setWeight/);
  });

  it('answers 400 when the policy names another endpoint', async () => {
    const response = await call('POST', '/rollouts', {
      body: { endpointName: `${SUITE}-rb`, policy: await standardPolicy(`${SUITE}-flow`) },
    });
    expect(response.status).toBe(400);
    expect(response.body.problems[0]).toMatch(/^policy\.endpoint\.name/);
  });

  it('answers 400 for malformed JSON', async () => {
    const response = await call('POST', '/rollouts', { rawBody: '{"endpointName": ' });
    expect(response.status).toBe(400);
    expect(response.body.problems[0]).toMatch(/^body: malformed JSON/);
  });

  it('answers 404 when the SageMaker endpoint does not exist', async () => {
    const endpoint = `${SUITE}-ghost`;
    const response = await call('POST', '/rollouts', {
      body: { endpointName: endpoint, policy: await standardPolicy(endpoint) },
    });
    expect(response.status).toBe(404);
    expect(response.body.error).toMatch(/not found/);
  });

  it('answers 409 when the endpoint lacks a variant the policy names', async () => {
    const endpoint = `${SUITE}-nocanary`;
    const response = await call('POST', '/rollouts', {
      body: { endpointName: endpoint, policy: await standardPolicy(endpoint) },
    });
    expect(response.status).toBe(409);
    expect(response.body.problems).toEqual([
      'variant canary is not on the endpoint (it has: primary, other)',
      'to deploy the canary variant from a model, start with --model MODEL_NAME (API body: "model")',
    ]);
  });

  it.each([
    ['GET', `/rollouts/${SUITE}-unknown`],
    ['GET', `/rollouts/${SUITE}-unknown/history`],
    ['POST', `/rollouts/${SUITE}-unknown/pause`],
  ])('answers 404 for %s %s on an endpoint without a rollout', async (method, path) => {
    const response = await call(method, path);
    expect(response.status).toBe(404);
  });

  it.each([
    ['GET', '/'],
    ['GET', '/rollout'],
    ['POST', `/rollouts/${SUITE}-flow/frobnicate`],
  ])('answers 404 for the unknown route %s %s', async (method, path) => {
    const response = await call(method, path);
    expect(response.status).toBe(404);
  });

  it.each([
    ['DELETE', '/rollouts', 'GET, POST'],
    ['PUT', `/rollouts/${SUITE}-flow`, 'GET'],
    ['GET', `/rollouts/${SUITE}-flow/pause`, 'POST'],
  ])('answers 405 for %s %s with the allowed methods', async (method, path, allow) => {
    const response = await call(method, path);
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe(allow);
  });

  it('answers 400 for a bad history limit', async () => {
    const response = await call('GET', `/rollouts/${SUITE}-flow/history`, { query: { limit: 'lots' } });
    expect(response.status).toBe(400);
    expect(response.body.problems[0]).toMatch(/^query\.limit/);
  });
});

describe('control API: the start checks the alarms its policy names', () => {
  const endpoint = `${SUITE}-alarmed`;
  const firing = `${SUITE}-alarmed-canary-5xx`;
  const quiet = `${SUITE}-alarmed-quiet`;
  const BOB = 'arn:aws:iam::123456789012:user/bob';

  /** The standard policy rolling back on `alarms` instead of its own. */
  async function policyNaming(...alarms: string[]): Promise<string> {
    const lines = alarms.map((name) => `    - alarmName: ${name}\n      strategy: immediate`).join('\n');
    return (await standardPolicy(endpoint)).replace(
      / {4}- alarmName: demo-canary-5xx\n {6}strategy: immediate/,
      lines,
    );
  }

  beforeAll(async () => {
    await harness.putAlarm(firing, 'ALARM', endpoint);
    await harness.putAlarm(quiet, 'OK', endpoint);
  });

  async function expectNothingStarted() {
    expect((await call('GET', `/rollouts/${endpoint}`)).status).toBe(404);
    expect(harness.sandbox.sagemaker.getEndpointWeights('us-east-1', endpoint)).toEqual({
      primary: 100,
      canary: 0,
    });
  }

  it('refuses with 409 naming the alarm already in ALARM and how to override, changing nothing', async () => {
    const response = await call('POST', '/rollouts', {
      body: { endpointName: endpoint, policy: await policyNaming(quiet, firing) },
    });
    expect(response.status).toBe(409);
    expect(response.body.problems).toEqual([`alarm ${firing} is in ALARM`]);
    expect(response.body.error).toContain(`alarm(s) ${firing} already in ALARM`);
    expect(response.body.error).toContain(`rollout-watchdog start ${endpoint} --force --reason TEXT`);
    await expectNothingStarted();
  });

  it('refuses with 409 a policy naming an alarm that does not exist', async () => {
    const ghost = `${SUITE}-alarmed-ghost`;
    const response = await call('POST', '/rollouts', {
      body: { endpointName: endpoint, policy: await policyNaming(quiet, ghost) },
    });
    expect(response.status).toBe(409);
    expect(response.body.problems).toEqual([`alarm ${ghost} does not exist in us-east-1`]);
    expect(response.body.error).toMatch(/would never be rolled back on them/);
    await expectNothingStarted();
  });

  it('refuses with 503 when CloudWatch cannot be read (fail closed)', async () => {
    const rule = harness.sandbox.faults.fail('InternalFailure', {
      service: 'monitoring',
      operation: 'DescribeAlarms',
    });
    try {
      const response = await call('POST', '/rollouts', {
        body: { endpointName: endpoint, policy: await policyNaming(quiet) },
      });
      expect(response.status).toBe(503);
      expect(response.body.error).toContain(`cannot read the states of alarm(s) ${quiet} in us-east-1`);
    } finally {
      harness.sandbox.faults.removeRule(rule);
    }
    await expectNothingStarted();
  });

  it('refuses force without a reason with 400', async () => {
    const response = await call('POST', '/rollouts', {
      body: { endpointName: endpoint, policy: await policyNaming(firing), force: true },
    });
    expect(response.status).toBe(400);
    expect(response.body.problems).toEqual([
      'reason: required with force: say why the alarm check is overridden',
    ]);
  });

  it('starts when forced with a reason, and records the override in history and the notification', async () => {
    const reason = 'the alarm fires on the old model; INC-7';
    const response = await call('POST', '/rollouts', {
      body: { endpointName: endpoint, policy: await policyNaming(quiet, firing), force: true, reason },
      userArn: BOB,
    });
    expect(response.status).toBe(201);
    const override = { operator: BOB, reason, alarmsInAlarm: [firing], missingAlarms: [] };
    expect(response.body).toMatchObject({ override, rollout: { phase: 'Progressing' } });
    await harness.settle();
    expect(harness.sandbox.sagemaker.getEndpointWeights('us-east-1', endpoint)).toEqual({
      primary: 95,
      canary: 5,
    });

    const history = await call('GET', `/rollouts/${endpoint}/history`);
    const start = history.body.entries.at(-1);
    expect(start).toMatchObject({ kind: 'start', cause: { kind: 'started', override } });
    expect(start.reason).toContain(
      `alarm check overridden by ${BOB} (alarm(s) ${firing} in ALARM): ${reason}`,
    );

    const note = await harness.notification(
      (n) => n.endpointName === endpoint && n.eventType === 'rollout.started',
    );
    expect(note).toMatchObject({ actor: BOB, cause: { override } });
    expect(note.reason).toContain(`alarm check overridden by ${BOB}`);
  });
});
