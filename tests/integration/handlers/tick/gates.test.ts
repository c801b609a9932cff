import { LambdaClient } from '@aws-sdk/client-lambda';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { wireScenarioHooks } from '../../../../sandbox/local-stack/scenario-hooks';
import { lambdaHookInvoker } from '../../../../shared/aws/lambda-hook-invoker';
import { withStartGate } from '../../../../shared/domain/gate-start';
import { startRollout } from '../../../../shared/domain/index';
import type { HookPolicy } from '../../../../shared/domain/types';
import { HookCallers } from '../../../../shared/hooks/call-hook';
import type { HookRequest } from '../../../../shared/ports/hook-caller';
import { runTick } from '../../../../shared/watchdog/run-tick';
import {
  countingDeps,
  createCanaryAlarm,
  createEndpoint,
  type Harness,
  loadScenario,
  MINUTE,
  parseOrThrow,
  playTraffic,
  REGION,
  standardPolicyText,
  startHarness,
} from './watchdog-harness';

/**
 * Gates and hooks against the sandbox's hook receivers with real clients: HTTPS calls signed
 * with a key from SSM and checked by the receiver, timeouts and retries, receivers that answer
 * 404 or 500, a Lambda gate through the SDK's Invoke, and the tick holding a rollout at a gate,
 * recording every call in history, then letting it go; a failing notify hook never blocks.
 */

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

function hook(name: string, over: Partial<HookPolicy>): HookPolicy {
  return {
    name,
    at: ['beforeStep'],
    kind: 'gate',
    target: { type: 'lambda', functionName: `${name}-fn` },
    timeoutSeconds: 2,
    retries: 2,
    failureLimit: 5,
    onFailure: 'rollback',
    ...over,
  };
}

const request: Omit<HookRequest, 'hook'> = {
  point: 'beforeStep',
  endpointName: 'gates-ep',
  region: REGION,
  rolloutId: 'gates-ep@2026-01-01T00:00:00Z#test',
  stepIndex: 1,
  canaryWeight: 5,
  nextWeight: 20,
  phase: 'Progressing',
  time: '2026-01-01T00:10:00.000Z',
};

describe('hooks against the sandbox receivers', () => {
  let h: Harness;
  let lambda: LambdaClient;
  let callers: HookCallers;
  let secretReads = 0;

  beforeAll(async () => {
    h = await startHarness('gates');
    lambda = new LambdaClient({
      region: REGION,
      endpoint: h.sandbox.url,
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });
    await h.ssm.send(
      new PutParameterCommand({ Name: '/rollout-watchdog/hooks/signed', Value: 'k3y', Type: 'SecureString' }),
    );
    callers = new HookCallers({
      secret: async (name) => {
        secretReads++;
        const { GetParameterCommand } = await import('@aws-sdk/client-ssm');
        const out = await h.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
        return out.Parameter?.Value;
      },
      invokeLambda: lambdaHookInvoker(lambda),
      sleep: async () => undefined,
    });
  }, 60_000);

  afterAll(async () => {
    lambda?.destroy();
    await h?.close();
  });

  it('signs an HTTPS call with the key from SSM, and the receiver verifies it', async () => {
    h.sandbox.hooks.script('signed', [{ fromMinute: 0, allow: true, reason: 'load test green' }]);
    const result = await callers.call(
      hook('signed', {
        target: {
          type: 'https',
          url: h.sandbox.hookUrl('signed'),
          secretParameter: '/rollout-watchdog/hooks/signed',
        },
      }),
      { ...request, hook: 'signed' },
    );
    expect(result).toMatchObject({
      allow: true,
      failed: false,
      status: 200,
      reason: 'load test green',
      attempts: 1,
    });
    const [call] = h.sandbox.hooks.calls('signed');
    expect(call?.verified).toBe(true);
    expect(call?.body).toMatchObject({ hook: 'signed', point: 'beforeStep', nextWeight: 20, attempt: 1 });
    expect(secretReads).toBe(1);
  });

  it('is refused by the receiver when signed with another key', async () => {
    await h.ssm.send(
      new PutParameterCommand({
        Name: '/rollout-watchdog/hooks/wrong-key',
        Value: 'other',
        Type: 'SecureString',
      }),
    );
    h.sandbox.hooks.script('signed', {
      answers: [{ allow: true }],
      secretParameter: '/rollout-watchdog/hooks/signed',
    });
    const result = await callers.call(
      hook('signed', {
        target: {
          type: 'https',
          url: h.sandbox.hookUrl('signed'),
          secretParameter: '/rollout-watchdog/hooks/wrong-key',
        },
      }),
      { ...request, hook: 'signed' },
    );
    expect(result).toMatchObject({
      allow: false,
      failed: false,
      status: 401,
      reason: 'HTTP 401: signature does not verify',
    });
  });

  it('cuts a slow receiver at the timeout and retries it, then counts a failed call', async () => {
    h.sandbox.hooks.script('slow', [{ allow: true, delayMs: 1_500 }]);
    const result = await callers.call(
      hook('slow', {
        timeoutSeconds: 1,
        retries: 2,
        target: { type: 'https', url: h.sandbox.hookUrl('slow') },
      }),
      { ...request, hook: 'slow' },
    );
    expect(result).toMatchObject({ allow: false, failed: true, attempts: 3 });
    expect(result.reason).toBe('call failed after 3 attempts: no answer within 1s');
    expect(h.sandbox.hooks.calls('slow').map((c) => (c.body as { attempt: number }).attempt)).toEqual([
      1, 2, 3,
    ]);
  }, 20_000);

  it('takes a 404 as a "no" at once, and retries a 500 before it counts as failed', async () => {
    const missing = await callers.call(
      hook('nobody', { target: { type: 'https', url: h.sandbox.hookUrl('nobody') } }),
      {
        ...request,
        hook: 'nobody',
      },
    );
    expect(missing).toMatchObject({
      allow: false,
      failed: false,
      status: 404,
      attempts: 1,
      reason: 'HTTP 404: no script for hook nobody',
    });
    h.sandbox.hooks.script('broken', [{ allow: false, status: 500, reason: 'database down' }]);
    const broken = await callers.call(
      hook('broken', { retries: 1, target: { type: 'https', url: h.sandbox.hookUrl('broken') } }),
      {
        ...request,
        hook: 'broken',
      },
    );
    expect(broken).toMatchObject({ allow: false, failed: true, status: 500, attempts: 2 });
    expect(broken.reason).toBe('call failed after 2 attempts: HTTP 500: database down');
  });

  it('invokes a Lambda gate and reads its answer; a function error is a failed call', async () => {
    h.sandbox.hooks.script('ticket', {
      answers: [{ allow: false, reason: 'change ticket CHG-42 not approved' }],
      functionName: 'ticket-fn',
    });
    const no = await callers.call(hook('ticket', {}), { ...request, hook: 'ticket' });
    expect(no).toMatchObject({
      allow: false,
      failed: false,
      status: 200,
      reason: 'change ticket CHG-42 not approved',
    });
    h.sandbox.hooks.script('ticket', {
      answers: [{ allow: true, status: 500, reason: 'boom' }],
      functionName: 'ticket-fn',
    });
    const failed = await callers.call(hook('ticket', { retries: 0 }), { ...request, hook: 'ticket' });
    expect(failed).toMatchObject({ allow: false, failed: true, reason: 'function error (Unhandled): boom' });
    const unknown = await callers.call(hook('ghost', { retries: 0 }), { ...request, hook: 'ghost' });
    expect(unknown.failed).toBe(true);
    expect(unknown.reason).toMatch(/ResourceNotFoundException/);
  });

  it("points a scenario policy's hooks at scripted receivers, a signed hook's key created in SSM and checked", async () => {
    const text = [
      'hooks:',
      '  - name: ci',
      '    at: beforeStep',
      '    url: https://ci.example.com/hooks/ci',
      '    secret: /rollout-watchdog/hooks/ci',
      '  - name: audit',
      '    at: afterEnd',
      '    type: notify',
      '    lambda: rollout-hook-audit',
    ].join('\n');
    const wired = parseYaml(
      await wireScenarioHooks(text, {
        sandboxUrl: h.sandbox.url,
        endpointName: 'wired',
        scenario: { hooks: { ci: [{ fromMinute: 0, allow: false, reason: 'pipeline red' }] } },
      }),
    ) as { hooks: Array<{ url?: string; lambda?: string; secret?: string }> };
    expect(wired.hooks[0]).toMatchObject({
      url: h.sandbox.hookUrl('wired-ci'),
      secret: '/rollout-watchdog/hooks/ci',
    });
    expect(wired.hooks[1]).toMatchObject({ lambda: 'wired-rollout-hook-audit' });
    const ci = await callers.call(
      hook('ci', {
        target: { type: 'https', url: wired.hooks[0]!.url!, secretParameter: '/rollout-watchdog/hooks/ci' },
      }),
      { ...request, hook: 'ci' },
    );
    expect(ci).toMatchObject({ allow: false, status: 409, reason: 'HTTP 409: pipeline red' });
    expect(h.sandbox.hooks.calls('wired-ci').map((c) => c.verified)).toEqual([true]);
    const audit = await callers.call(
      hook('audit', { kind: 'notify', target: { type: 'lambda', functionName: 'wired-rollout-hook-audit' } }),
      {
        ...request,
        hook: 'audit',
      },
    );
    expect(audit).toMatchObject({ allow: true, failed: false });
  });

  it('starts a rollout with a beforeStart gate at 0% and applies its first weight on the tick the gate allows', async () => {
    const endpointName = 'gates-start';
    await createEndpoint(h, endpointName);
    await createCanaryAlarm(h, endpointName, `${endpointName}-canary-5xx`);
    const text = standardPolicyText(endpointName);
    const policy = {
      ...parseOrThrow(text),
      hooks: [
        hook('change-ticket', {
          at: ['beforeStart'],
          target: { type: 'https', url: h.sandbox.hookUrl('change-ticket') },
        }),
      ],
    };
    h.sandbox.hooks.script('change-ticket', [
      { fromMinute: 0, allow: false, reason: 'CHG-7 awaiting approval' },
      { fromMinute: 3, allow: true, reason: 'CHG-7 approved' },
    ]);
    const { deps } = countingDeps(h);
    const now = h.clock.now();
    const started = withStartGate(policy, startRollout(policy, now), now);
    await h.store.create(
      {
        endpointName,
        region: REGION,
        policyText: text,
        policy,
        state: started.state,
        appliedCanaryWeight: 0,
      },
      now,
    );
    const traffic = playTraffic(h, loadScenario('healthy-steady'), endpointName);
    const weights: number[] = [];
    for (let minute = 1; minute <= 5; minute++) {
      await h.clock.advance(MINUTE);
      await runTick(deps, { now: h.clock.now(), correlationId: `gates-start-${minute}` });
      weights.push((await h.store.get(endpointName))!.state.canaryWeight);
    }
    traffic.stop();
    expect(weights).toEqual([0, 0, 5, 5, 5]);
    const calls = h.sandbox.hooks
      .calls('change-ticket')
      .map((c) => c.body as { point: string; nextWeight: number });
    expect(calls.map((c) => [c.point, c.nextWeight])).toEqual([
      ['beforeStart', 5],
      ['beforeStart', 5],
      ['beforeStart', 5],
    ]);
    const history = await h.store.history(endpointName, { limit: 50 });
    expect(history.find((e) => e.kind === 'decision' && e.action === 'advance')?.reason).toMatch(
      /^gate change-ticket let go after 2 refusals; canary 0% -> 5%; next: step 2\/6 \(pause 10m\)/,
    );
  }, 60_000);

  it('holds a rollout at its gate tick after tick, records every call, then lets it go; a failing notify hook never blocks', async () => {
    const endpointName = 'gates-tick';
    await createEndpoint(h, endpointName);
    await createCanaryAlarm(h, endpointName, `${endpointName}-canary-5xx`);
    const text = standardPolicyText(endpointName);
    const policy = {
      ...parseOrThrow(text),
      hooks: [
        hook('load-test', {
          failureLimit: 6,
          target: {
            type: 'lambda',
            functionName: `arn:aws:lambda:${REGION}:000000000000:function:rollout-hook-load-test`,
          },
        }),
        hook('tell-chat', {
          kind: 'notify',
          at: ['beforeStep', 'afterEnd'],
          retries: 0,
          target: { type: 'https', url: h.sandbox.hookUrl('tell-chat') },
        }),
      ],
    };
    h.sandbox.hooks.script('load-test', {
      answers: [
        { fromMinute: 0, allow: false, reason: 'load test running' },
        { fromMinute: 13, allow: true, reason: 'p99 under 200 ms at 3x load' },
      ],
      functionName: 'rollout-hook-load-test',
    });
    h.sandbox.hooks.script('tell-chat', [{ allow: false, status: 500, reason: 'chat is down' }]);
    const { deps } = countingDeps(h);
    const now = h.clock.now();
    const started = startRollout(policy, now);
    await h.store.create(
      {
        endpointName,
        region: REGION,
        policyText: text,
        policy,
        state: started.state,
        appliedCanaryWeight: null,
      },
      now,
    );
    const traffic = playTraffic(h, loadScenario('healthy-steady'), endpointName);
    const weights: number[] = [];
    for (let minute = 1; minute <= 15; minute++) {
      await h.clock.advance(MINUTE);
      await runTick(deps, { now: h.clock.now(), correlationId: `gates-${minute}` });
      weights.push((await h.store.get(endpointName))!.state.canaryWeight);
      if (minute === 12) {
        const held = (await h.store.get(endpointName))!;
        expect(held.state.gate).toMatchObject({
          point: 'beforeStep',
          hooks: ['load-test'],
          reason: 'load test running',
          nextWeight: 20,
        });
        expect(held.state.gate!.failures).toBeGreaterThanOrEqual(2);
      }
    }
    traffic.stop();
    expect(weights.slice(0, 9).every((w) => w === 5)).toBe(true);
    expect(weights.at(-1)).toBe(20);
    const history = await h.store.history(endpointName, { limit: 100 });
    const gateCalls = history.filter((e) => e.kind === 'hook' && e.hook?.hook === 'load-test');
    expect(gateCalls.length).toBeGreaterThanOrEqual(3);
    expect(gateCalls.some((e) => e.hook?.allow === true)).toBe(true);
    expect(gateCalls.find((e) => e.hook?.allow === false)?.reason).toMatch(
      /^gate load-test at beforeStep: no \(HTTP 200, 1 attempt, \d+ ms\): load test running$/,
    );
    const told = history.filter((e) => e.kind === 'hook' && e.hook?.hook === 'tell-chat');
    expect(told.map((e) => e.hook?.failed)).toEqual([true]);
    const decisions = history.filter((e) => e.kind === 'decision').map((e) => e.reason);
    expect(decisions.some((r) => r.startsWith('held at gate load-test before canary 5% -> 20%'))).toBe(true);
    expect(decisions.some((r) => r.startsWith('gate load-test let go after'))).toBe(true);
    expect(
      h.notifications.some((n) => n.eventType === 'rollout.held' && n.reason.includes('load test running')),
    ).toBe(true);
  }, 120_000);
});
