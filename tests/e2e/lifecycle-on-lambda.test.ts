import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOCK_HEADER } from '../../shared/http/control-api-router';
import { sandboxClientConfig } from '../../sandbox/local-stack/sandbox-clients';
import { createBaselineEndpoint } from '../../sandbox/local-stack/scenario-endpoint';
import { LOCAL_SLACK_HOOK } from '../../sandbox/local-stack/start-local-stack';
import { EXIT, runOperatorCli } from '../../shared/cli-client/run-operator-cli';
import { SDK_MAX_ATTEMPTS } from '../../shared/runtime/client-cache';
import type { RolloutStatus } from '../../shared/control/control-contract';
import { ENDPOINT_DELAY_MS, type E2eStack, MINUTE, startE2eStack } from './local-stack-fixture';

/**
 * Issue 11's "done when", on the bundled functions in serverless-offline against the sandbox:
 * a model version from its name to a retired baseline (its retirement throttled and resumed)
 * and the next start from a model name; that one rolled back and cleaned up; a canary
 * deployment SageMaker refuses for capacity, left paused with an alert, then resumed. One stack,
 * one-minute lifecycle delays and a policy of one step and a manual gate keep the ticks few.
 */

let e2e: E2eStack;
let sagemaker: SageMakerClient;

/** One 20% step, then a gate a person opens; the canary on `instanceType` (capacity is per type). */
function policy(endpointName: string, instanceType = 'ml.m5.large'): string {
  return `apiVersion: rollout-watchdog/v1
endpoint: { name: ${endpointName}, region: us-east-1, baselineVariant: primary, canaryVariant: canary }
strategy:
  canary:
    steps:
      - setWeight: 20
      - pause: {}
analysis:
  metrics:
    - { name: error-rate, type: errorRate, threshold: 0.05 }
lifecycle:
  canary: { instanceType: ${instanceType}, instanceCount: 1 }
  retireBaseline: { after: 1m }
  cleanUpAfterRollback: { after: 1m }
`;
}

async function statusOf(endpointName: string): Promise<RolloutStatus> {
  const response = await e2e.api.status(endpointName);
  if (!response.ok) throw new Error(`status ${endpointName}: ${response.status} ${response.error}`);
  return response.body;
}

/** Moves the simulated clock a minute at a time (each minute ticks) until `done` holds. */
async function minutesUntil(done: (s: RolloutStatus) => boolean, endpointName: string, max = 8) {
  for (let i = 0; i <= max; i++) {
    const status = await statusOf(endpointName);
    if (done(status)) return status;
    if (i < max) await e2e.clock.advance(MINUTE);
  }
  throw new Error(
    `${endpointName}: not reached after ${max} minutes: ${JSON.stringify(await statusOf(endpointName))}`,
  );
}

/** Model and instances per variant, as SageMaker describes the endpoint's config in service. */
async function runs(endpointName: string) {
  const endpoint = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
  const config = await sagemaker.send(
    new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName }),
  );
  return {
    configName: endpoint.EndpointConfigName,
    variants: Object.fromEntries(
      (config.ProductionVariants ?? []).map((v) => [
        v.VariantName,
        `${v.ModelName} on ${v.InitialInstanceCount} × ${v.InstanceType}`,
      ]),
    ),
  };
}

async function baselineEndpoint(endpointName: string, models: string[]): Promise<void> {
  await createBaselineEndpoint({
    sandboxUrl: e2e.stack.sandbox.url,
    region: e2e.stack.region,
    endpointName,
    baselineVariant: 'primary',
    models,
  });
  await e2e.clock.advance(ENDPOINT_DELAY_MS);
}

async function startFromModel(endpointName: string, model: string, instanceType?: string) {
  const started = await e2e.api.start({ endpointName, model, policy: policy(endpointName, instanceType) });
  if (!started.ok)
    throw new Error(`start ${endpointName}: ${started.status} ${started.error} ${started.problems}`);
  return started.body;
}

const change = (s: RolloutStatus) => s.endpointChange;

beforeAll(async () => {
  e2e = await startE2eStack();
  sagemaker = new SageMakerClient({
    ...sandboxClientConfig(e2e.stack.sandbox.url, e2e.stack.region),
    maxAttempts: 6,
  });
}, 180_000);

afterAll(async () => {
  sagemaker?.destroy();
  await e2e?.stack.close();
});

describe('a model version from its name to a retired baseline, then the next one rolled back and cleaned up', () => {
  const endpoint = 'life-ep';

  it('deploys the model as the canary beside the baseline, then runs the steps to the gate', async () => {
    await baselineEndpoint(endpoint, ['life-v1', 'life-v2', 'life-v3']);
    const started = await startFromModel(endpoint, 'life-v2');
    expect(started.rollout.endpointChange).toMatchObject({ kind: 'add-canary', status: 'updating' });
    await minutesUntil((s) => s.phase === 'Paused' && s.pendingWeights === false, endpoint);
    expect(await runs(endpoint)).toMatchObject({
      configName: expect.stringMatching(/^life-ep-rw[0-9a-f]{8}-canary$/),
      variants: { primary: 'life-v1 on 2 × ml.m5.xlarge', canary: 'life-v2 on 1 × ml.m5.large' },
    });
    expect(e2e.stack.sandbox.sagemaker.getEndpointWeights(e2e.stack.region, endpoint)).toEqual({
      primary: 80,
      canary: 20,
    });
  });

  it('promotes, and a retirement whose UpdateEndpoint is throttled resumes and retires the baseline', async () => {
    const promoted = await e2e.api.command(endpoint, 'promote', 'looks good');
    expect(promoted.ok).toBe(true);
    // SageMaker throttles the retirement's UpdateEndpoint as often as the function's SDK client
    // tries it in one run: that run ends with the retirement's intent written, its update not sent.
    const throttle = e2e.stack.sandbox.faults.throttle({
      service: 'sagemaker',
      operation: 'UpdateEndpoint',
      times: SDK_MAX_ATTEMPTS,
    });
    const armed = () => e2e.stack.sandbox.faults.snapshot().rules.some((r) => r.id === throttle);
    for (let minute = 0; minute < 4 && armed(); minute++) await e2e.clock.advance(MINUTE);
    expect(armed()).toBe(false);
    const throttled = change(await statusOf(endpoint));
    expect(throttled).toMatchObject({ kind: 'retire-baseline', status: 'updating' });
    expect(throttled?.sent).toBeUndefined();
    expect((await runs(endpoint)).variants.canary).toBeDefined();

    const retired = await minutesUntil((s) => change(s)?.status === 'done', endpoint);
    expect(retired.phase).toBe('Promoted');
    expect(await runs(endpoint)).toEqual({
      configName: expect.stringMatching(/^life-ep-rw[0-9a-f]{8}-promoted$/),
      variants: { primary: 'life-v2 on 1 × ml.m5.large' },
    });
    expect(change(retired)?.released).toEqual(
      expect.arrayContaining([
        { variantName: 'primary', modelName: 'life-v1', instanceType: 'ml.m5.xlarge', instanceCount: 2 },
      ]),
    );
  }, 120_000);

  it('starts the next model from its name with the CLI, which waits for the deployment and reports it', async () => {
    const progress: string[] = [];
    const out = await runOperatorCli(['start', endpoint, '--model', 'life-v3', '--policy', 'policy.yaml'], {
      env: { ROLLOUT_WATCHDOG_API: e2e.stack.apiUrl },
      readFile: async () => policy(endpoint),
      // Commands and ticks share the sandbox clock: each wait moves it a minute.
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set(CLOCK_HEADER, String(e2e.clock.now()));
        return fetch(input, { ...init, headers });
      },
      sleep: () => e2e.clock.advance(MINUTE),
      progress: (line) => progress.push(line),
    });
    expect(out.stderr).toBe('');
    expect(out.exitCode).toBe(EXIT.ok);
    expect(progress[0]).toMatch(
      /canary deployment under way: the endpoint moves to config life-ep-rw[0-9a-f]{8}-canary/,
    );
    expect(progress.at(-1)).toMatch(/canary deployment done/);
    expect(out.stdout).toMatch(/^started life-ep: /);
    expect((await runs(endpoint)).variants).toEqual({
      primary: 'life-v2 on 1 × ml.m5.large',
      canary: 'life-v3 on 1 × ml.m5.large',
    });
  });

  it('rolls the next model back, then removes its canary after the inspection time', async () => {
    await minutesUntil((s) => s.phase === 'Paused' && s.pendingWeights === false, endpoint);
    const rolledBack = await e2e.api.command(endpoint, 'rollback', 'p99 regressed');
    expect(rolledBack.ok).toBe(true);
    const waiting = await minutesUntil((s) => change(s)?.kind === 'remove-canary', endpoint);
    expect(change(waiting)?.status).not.toBe('done');
    const cleaned = await minutesUntil((s) => change(s)?.status === 'done', endpoint);
    expect(cleaned.phase).toBe('RolledBack');
    expect(await runs(endpoint)).toEqual({
      configName: expect.stringMatching(/^life-ep-rw[0-9a-f]{8}-baseline$/),
      variants: { primary: 'life-v2 on 1 × ml.m5.large' },
    });
    expect(change(cleaned)?.released).toEqual([
      { variantName: 'canary', modelName: 'life-v3', instanceType: 'ml.m5.large', instanceCount: 1 },
    ]);
  });
});

describe('a canary deployment SageMaker refuses for capacity', () => {
  const endpoint = 'nocap-ep';

  it('is left paused with an alert by email and Slack, and deploys once resumed', async () => {
    await baselineEndpoint(endpoint, ['nocap-v1', 'nocap-v2']);
    // Its own instance type: the capacity fault is region-wide per type.
    e2e.stack.sandbox.faults.exhaustCapacity(e2e.stack.region, 'ml.c5.large');
    await startFromModel(endpoint, 'nocap-v2', 'ml.c5.large');
    const failed = await minutesUntil((s) => change(s)?.status === 'failed', endpoint);
    expect(failed).toMatchObject({
      phase: 'Paused',
      pauseCause: 'endpoint',
      weights: { primary: 100, canary: 0 },
    });
    expect(change(failed)?.failure).toMatch(/capacity/i);
    expect((await runs(endpoint)).configName).toBe(`${endpoint}-initial`);

    await e2e.stack.sandbox.sns.idle();
    const outbox = e2e.stack.sandbox.outbox;
    const alert = (await outbox.list()).find(
      (m) => m.subject.includes(endpoint) && /failed/i.test(m.subject),
    );
    expect(alert?.subject).toMatch(/^\[ENDPOINT #\d+\] nocap-ep: The canary deployment of nocap-ep failed/);
    const email = readFileSync(join(outbox.dir, alert!.file), 'utf8');
    expect(email).toMatch(/severity critical/);
    expect(email).toMatch(/`resume` to try the deployment again/);
    const slack = () =>
      e2e.stack.sandbox.slack
        .posts(LOCAL_SLACK_HOOK)
        .map((p) => p.text ?? '')
        .filter((t) => t.includes(endpoint) && /deployment of nocap-ep failed/.test(t));
    const deadline = Date.now() + 20_000;
    while (slack().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(slack()).toHaveLength(1);

    e2e.stack.sandbox.faults.restoreCapacity(e2e.stack.region, 'ml.c5.large');
    const resumed = await e2e.api.command(endpoint, 'resume', 'capacity is back');
    expect(resumed.ok && resumed.body.rollout.endpointChange).toMatchObject({
      status: 'updating',
      attempt: 2,
    });
    await minutesUntil(
      (s) => s.phase === 'Paused' && change(s)?.status === 'done' && !s.pendingWeights,
      endpoint,
    );
    expect(await runs(endpoint)).toMatchObject({
      configName: expect.stringMatching(/-canary-2$/),
      variants: { primary: 'nocap-v1 on 2 × ml.m5.xlarge', canary: 'nocap-v2 on 1 × ml.c5.large' },
    });
  });
});
