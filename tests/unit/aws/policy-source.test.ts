import type { SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { ParameterStoreError } from '../../../shared/aws/parameter-store';
import { parsePolicyText } from '../../../shared/events/policy-text';
import { PolicySource } from '../../../shared/aws/policy-source';
import { STANDARD_POLICY_YAML } from '../notify/notify-fixtures';

/** An SSM client holding `params` in memory; counts GetParameter calls. */
function fakeSsm(params: Record<string, string>, fail?: string) {
  let calls = 0;
  const client = {
    send: async (command: { input: { Name: string } }) => {
      calls++;
      if (fail) throw Object.assign(new Error(fail), { name: fail });
      const value = params[command.input.Name];
      if (value === undefined) throw Object.assign(new Error('not found'), { name: 'ParameterNotFound' });
      return { Parameter: { Name: command.input.Name, Value: value } };
    },
  } as unknown as SSMClient;
  return { client, calls: () => calls };
}

const NAME = '/rollout-watchdog/test/policies/demo-endpoint';

describe('PolicySource', () => {
  it('returns a valid stored policy, changed when it differs from the last good text', async () => {
    const ssm = fakeSsm({ [NAME]: STANDARD_POLICY_YAML });
    const source = new PolicySource(ssm.client, '/rollout-watchdog/test/');
    const first = await source.get('demo-endpoint');
    expect(first).toMatchObject({ status: 'ok', changed: true, text: STANDARD_POLICY_YAML });
    if (first.status !== 'ok') throw new Error('expected ok');
    expect(first.policy.endpoint.name).toBe('demo-endpoint');
    const again = await source.get('demo-endpoint', { text: first.text, policy: first.policy });
    expect(again).toMatchObject({ status: 'ok', changed: false });
  });

  it('lists every problem of an invalid policy and hands back the last good one', async () => {
    const broken = STANDARD_POLICY_YAML.replace('setWeight: 20', 'setWeight: 120').replace(
      'window: 5m',
      'window: 5 minutes',
    );
    const good = parsePolicyText(STANDARD_POLICY_YAML);
    if (!good.ok) throw new Error('fixture');
    const source = new PolicySource(fakeSsm({ [NAME]: broken }).client, '/rollout-watchdog/test');
    const lookup = await source.get('demo-endpoint', { text: STANDARD_POLICY_YAML, policy: good.policy });
    expect(lookup.status).toBe('invalid');
    if (lookup.status !== 'invalid') throw new Error('expected invalid');
    expect(lookup.problems.length).toBeGreaterThanOrEqual(2);
    expect(lookup.problems.some((p) => p.startsWith('strategy.canary.steps[2].setWeight'))).toBe(true);
    expect(lookup.problems.some((p) => p.startsWith('analysis.window'))).toBe(true);
    expect(lookup.lastGood).toBe(good.policy);
  });

  it.each([
    ['YAML that does not parse', 'apiVersion: [unclosed', '(policy): not valid YAML or JSON at line 1'],
    [
      'a policy stored under another endpoint',
      STANDARD_POLICY_YAML.replace('name: demo-endpoint', 'name: other'),
      'endpoint.name',
    ],
  ])('refuses %s', async (_label, text, problemPrefix) => {
    const source = new PolicySource(fakeSsm({ [NAME]: text }).client, '/rollout-watchdog/test');
    const lookup = await source.get('demo-endpoint');
    expect(lookup).toMatchObject({ status: 'invalid' });
    if (lookup.status === 'invalid') expect(lookup.problems[0]!.startsWith(problemPrefix)).toBe(true);
  });

  it('reports a missing policy, with the last good one when there is one', async () => {
    const source = new PolicySource(fakeSsm({}).client, '/rollout-watchdog/test');
    expect(await source.get('demo-endpoint')).toEqual({ status: 'missing' });
  });

  it('asks SSM again only after the TTL', async () => {
    let now = 1_000;
    const ssm = fakeSsm({ [NAME]: STANDARD_POLICY_YAML });
    const source = new PolicySource(ssm.client, '/rollout-watchdog/test', { ttlMs: 60_000, now: () => now });
    await source.get('demo-endpoint');
    await source.get('demo-endpoint');
    now += 59_999;
    await source.get('demo-endpoint');
    expect(ssm.calls()).toBe(1);
    now += 1;
    await source.get('demo-endpoint');
    expect(ssm.calls()).toBe(2);
  });

  it('throws a typed error with the cause when SSM fails for another reason', async () => {
    const source = new PolicySource(fakeSsm({}, 'ThrottlingException').client, '/rollout-watchdog/test');
    const error = await source.get('demo-endpoint').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParameterStoreError);
    expect((error as ParameterStoreError).cause).toMatchObject({ name: 'ThrottlingException' });
  });
});
