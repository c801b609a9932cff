import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxClock } from '../../../sandbox/clock';
import { createSandbox, type Sandbox } from '../../../sandbox/create-sandbox';
import { ParameterStore } from '../../../shared/aws/parameter-store';
import { PolicySource } from '../../../shared/aws/policy-source';
import { STANDARD_POLICY_YAML } from '../../unit/notify/notify-fixtures';

// Own names for this suite: prefix `/rollout-watchdog/policytest`, endpoints `pol-*`.
const PREFIX = '/rollout-watchdog/policytest';

let sandbox: Sandbox;
let ssm: SSMClient;

function policyFor(endpoint: string, text = STANDARD_POLICY_YAML): string {
  return text.replace('name: demo-endpoint', `name: ${endpoint}`);
}

async function put(name: string, value: string, type: 'String' | 'SecureString' = 'String') {
  await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: type, Overwrite: true }));
}

beforeAll(async () => {
  sandbox = await createSandbox({ port: 0, clock: createSandboxClock({ mode: 'manual' }), dynamodb: false });
  ssm = new SSMClient({
    endpoint: sandbox.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  await sandbox?.close();
});

describe('PolicySource against SSM (sandbox)', () => {
  it('reads and validates a stored policy', async () => {
    await put(`${PREFIX}/policies/pol-valid`, policyFor('pol-valid'));
    const lookup = await new PolicySource(ssm, PREFIX).get('pol-valid');
    expect(lookup.status).toBe('ok');
    if (lookup.status === 'ok') {
      expect(lookup.policy.endpoint).toMatchObject({ name: 'pol-valid', baselineVariant: 'primary' });
      expect(lookup.changed).toBe(true);
    }
  });

  it('lists every problem of an invalid stored policy', async () => {
    const broken = policyFor('pol-invalid')
      .replace('setWeight: 20', 'setWeight: 120')
      .replace('interval: 1m', 'interval: 1 minute');
    await put(`${PREFIX}/policies/pol-invalid`, broken);
    const lookup = await new PolicySource(ssm, PREFIX).get('pol-invalid');
    expect(lookup.status).toBe('invalid');
    if (lookup.status === 'invalid') {
      expect(lookup.problems.some((p) => p.startsWith('strategy.canary.steps[2].setWeight'))).toBe(true);
      expect(lookup.problems.some((p) => p.startsWith('analysis.interval'))).toBe(true);
      expect(lookup.lastGood).toBeUndefined();
    }
  });

  it('reports a policy that was never stored as missing', async () => {
    expect(await new PolicySource(ssm, PREFIX).get('pol-missing')).toEqual({ status: 'missing' });
  });

  it('keeps serving the cached policy until the TTL runs out, then sees the change', async () => {
    let now = 0;
    const source = new PolicySource(ssm, PREFIX, { ttlMs: 30_000, now: () => now });
    await put(`${PREFIX}/policies/pol-cached`, policyFor('pol-cached'));
    const first = await source.get('pol-cached');
    if (first.status !== 'ok') throw new Error(`expected ok, got ${first.status}`);
    await put(
      `${PREFIX}/policies/pol-cached`,
      policyFor('pol-cached').replace('setWeight: 5', 'setWeight: 10'),
    );
    now = 29_000;
    expect(await source.get('pol-cached', first)).toMatchObject({ status: 'ok', changed: false });
    expect(source.calls).toBe(1);
    now = 30_000;
    const after = await source.get('pol-cached', first);
    expect(after).toMatchObject({ status: 'ok', changed: true });
    expect(source.calls).toBe(2);
  });

  it('reads many stored policies ten to a call, so the lookups that follow ask SSM nothing', async () => {
    const names = Array.from({ length: 25 }, (_, i) => `pol-batch-${i}`);
    for (const name of names.slice(0, 24)) await put(`${PREFIX}/policies/${name}`, policyFor(name));
    const source = new PolicySource(ssm, PREFIX, { ttlMs: 60_000 });
    await source.prefetch(names);
    expect(source.calls).toBe(3);
    const lookups = await Promise.all(names.map((name) => source.get(name)));
    expect(source.calls).toBe(3);
    expect(lookups.slice(0, 24).every((l) => l.status === 'ok')).toBe(true);
    expect(lookups[24]).toEqual({ status: 'missing' });
  });

  it('reads the Slack webhook URL as a decrypted SecureString', async () => {
    await put(`${PREFIX}/slack-webhook-url`, 'https://hooks.slack.test/T000/B000/secret', 'SecureString');
    const store = new ParameterStore(ssm);
    expect(await store.getSecure(`${PREFIX}/slack-webhook-url`)).toBe(
      'https://hooks.slack.test/T000/B000/secret',
    );
    expect(await store.getSecure(`${PREFIX}/slack-webhook-url`)).toBe(
      'https://hooks.slack.test/T000/B000/secret',
    );
    expect(store.calls).toBe(1);
  });
});
