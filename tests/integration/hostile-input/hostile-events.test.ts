import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { lambdaContext, REGION, tickRuleArn } from '../handlers/tick/watchdog-harness';
import {
  ALARM,
  expectHarmless,
  FOREIGN_ACCOUNT,
  type HostileStack,
  OWN_ACCOUNT,
  startHostileStack,
} from './hostile-fixture';

/**
 * Hostile events through the real canary-tick and alarm-rollback handlers: foreign, forged and
 * replayed. Each names the rollout's own alarm or looks like a tick, so only the authentication
 * stands between it and a change; none may throw, act, or change the rollout or the weights.
 */

const SUITE = 'hostile-events';
const OWN_RULE = tickRuleArn(SUITE);
const ALARM_ARN = `arn:aws:cloudwatch:${REGION}:${OWN_ACCOUNT}:alarm:${ALARM}`;

type Result = { outcome?: string; refused?: string; judged?: number };

const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

function alarmEvent(at: number, top: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '0',
    id: `forged-${Math.random().toString(36).slice(2)}`,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: OWN_ACCOUNT,
    time: iso(at),
    region: REGION,
    resources: [ALARM_ARN],
    detail: {
      alarmName: ALARM,
      state: { value: 'ALARM', reason: 'forged', timestamp: new Date(at).toISOString() },
      previousState: { value: 'OK', reason: 'ok', timestamp: new Date(at - 60_000).toISOString() },
      configuration: { metrics: [] },
    },
    ...top,
  };
}

function tickEvent(at: number, top: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '0',
    id: `forged-${Math.random().toString(36).slice(2)}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: OWN_ACCOUNT,
    time: iso(at),
    region: REGION,
    resources: [OWN_RULE],
    detail: {},
    ...top,
  };
}

/** Ways to forge an alarm event that names the rollout's alarm; each breaks one thing AWS guarantees. */
const alarmForgeries: Record<string, (at: number) => unknown> = {
  'from another account': (at) => alarmEvent(at, { account: FOREIGN_ACCOUNT }),
  'with an alarm ARN of another account': (at) =>
    alarmEvent(at, { resources: [`arn:aws:cloudwatch:${REGION}:${FOREIGN_ACCOUNT}:alarm:${ALARM}`] }),
  'from another account, all through': (at) =>
    alarmEvent(at, {
      account: FOREIGN_ACCOUNT,
      resources: [`arn:aws:cloudwatch:${REGION}:${FOREIGN_ACCOUNT}:alarm:${ALARM}`],
    }),
  'with an alarm ARN of another region': (at) =>
    alarmEvent(at, { resources: [`arn:aws:cloudwatch:eu-west-1:${OWN_ACCOUNT}:alarm:${ALARM}`] }),
  'with an alarm ARN of another alarm': (at) =>
    alarmEvent(at, { resources: [`arn:aws:cloudwatch:${REGION}:${OWN_ACCOUNT}:alarm:quiet-alarm`] }),
  'without an alarm ARN': (at) => alarmEvent(at, { resources: [] }),
  'with two alarm ARNs': (at) => alarmEvent(at, { resources: [ALARM_ARN, ALARM_ARN] }),
  'from a custom source': (at) => alarmEvent(at, { source: 'custom.cloudwatch' }),
  'with another detail-type': (at) =>
    alarmEvent(at, { 'detail-type': 'CloudWatch Alarm Configuration Change' }),
  'shaped as a tick': (at) => tickEvent(at),
};

/** Ways to forge a tick; each is not the Scheduled Event of the tick's own rule. */
const tickForgeries: Record<string, (at: number) => unknown> = {
  'a bare { time }': (at) => ({ time: iso(at) }),
  'an alarm-shaped event': (at) => alarmEvent(at),
  'an SNS-shaped event': (at) => ({
    Records: [{ EventSource: 'aws:sns', Sns: { Message: '{}', Timestamp: iso(at) } }],
    time: iso(at),
  }),
  'another rule of this account': (at) =>
    tickEvent(at, { resources: [`arn:aws:events:${REGION}:${OWN_ACCOUNT}:rule/someone-elses-rule`] }),
  'its own rule among others': (at) => tickEvent(at, { resources: [OWN_RULE, `${OWN_RULE}-2`] }),
  'its own rule name in another account': (at) =>
    tickEvent(at, { resources: [OWN_RULE.replace(OWN_ACCOUNT, FOREIGN_ACCOUNT)] }),
  'another account': (at) => tickEvent(at, { account: FOREIGN_ACCOUNT }),
  'another region': (at) => tickEvent(at, { region: 'eu-west-1' }),
  'a custom source': (at) => tickEvent(at, { source: 'custom.scheduler' }),
  'no resources': (at) => tickEvent(at, { resources: undefined }),
};

describe('hostile events', () => {
  let stack: HostileStack;

  beforeAll(async () => {
    stack = await startHostileStack(SUITE);
  });
  afterAll(async () => {
    await stack?.h.close();
  });

  it.each(Object.keys(alarmForgeries))('refuses an alarm event %s and rolls nothing back', async (label) => {
    const forge = alarmForgeries[label] as (at: number) => unknown;
    await expectHarmless(
      stack,
      () => stack.alarm(forge(stack.h.clock.now())) as Promise<Result>,
      (result) => {
        expect(result.outcome).toBe('ignored');
        expect(result.refused).toBeDefined();
      },
    );
  });

  it.each(Object.keys(tickForgeries))('refuses %s as a tick and judges nothing', async (label) => {
    const forge = tickForgeries[label] as (at: number) => unknown;
    await expectHarmless(
      stack,
      () => stack.tick(forge(stack.h.clock.now())) as Promise<Result>,
      (result) => {
        expect(result.refused).toBeDefined();
        expect(result.judged).toBe(0);
      },
    );
  });

  it('refuses generated forgeries of both, replayed at any time, without a throw or a change', async () => {
    // Each forgery goes to the handler it tries to fool (a tick-shaped alarm forgery is a real tick).
    const cases = [
      ...Object.values(alarmForgeries).map((forge) => ({ forge, toTick: false })),
      ...Object.values(tickForgeries).map((forge) => ({ forge, toTick: true })),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...cases),
        // Replays from a day before to two days after the simulated now.
        fc.integer({ min: -24 * 3600_000, max: 48 * 3600_000 }),
        fc.dictionary(fc.constantFrom('id', 'version', 'extra'), fc.jsonValue(), { maxKeys: 2 }),
        async ({ forge, toTick }, offset, noise) => {
          const event = { ...(forge(stack.h.clock.now() + offset) as object), ...noise };
          const handler = toTick ? stack.tick : stack.alarm;
          await expectHarmless(
            stack,
            () => handler(event) as Promise<Result>,
            (result) => {
              expect(result.refused).toBeDefined();
              if (toTick) expect(result.judged).toBe(0);
              else expect(result.outcome).toBe('ignored');
            },
          );
        },
      ),
      { numRuns: 80 },
    );
  });

  it('never throws on an arbitrary value sent to either handler', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything(), fc.boolean(), async (event, toTick) => {
        const handler = toTick ? stack.tick : stack.alarm;
        await expectHarmless(
          stack,
          () => handler(event) as Promise<Result>,
          (result) => {
            expect(result.refused).toBeDefined();
          },
        );
      }),
      { numRuns: 40 },
    );
  });
});

describe('hostile ticks in a deployed stage', () => {
  let stack: HostileStack;
  let deployedTick: (event: unknown) => Promise<Result>;

  beforeAll(async () => {
    stack = await startHostileStack(`${SUITE}-deployed`);
    // The same handler as deployed: it compares an event's time with the wall clock.
    vi.resetModules();
    process.env.ROLLOUT_WATCHDOG_DEPLOYED = 'true';
    process.env.TICK_RULE_ARN = tickRuleArn(`${SUITE}-deployed`);
    const module = (await import('../../../handlers/canary-tick')) as {
      handler: (event: unknown, context: unknown) => Promise<Result>;
    };
    deployedTick = (event) => module.handler(event, lambdaContext('canaryTick'));
  });
  afterAll(async () => {
    delete process.env.ROLLOUT_WATCHDOG_DEPLOYED;
    await stack?.h.close();
  });

  it.each([
    ['24 h ahead', 24 * 3600_000],
    ['48 h ahead', 48 * 3600_000],
    ['replayed from an hour ago', -3600_000],
    ['10 minutes ahead', 10 * 60_000],
  ])('refuses a tick of its own rule %s of the wall clock', async (_label, offset) => {
    const event = tickEvent(Date.now() + offset, { resources: [tickRuleArn(`${SUITE}-deployed`)] });
    await expectHarmless(
      stack,
      () => deployedTick(event),
      (result) => {
        expect(result.refused).toBe('time-far-from-clock');
        expect(result.judged).toBe(0);
      },
    );
  });

  it('acts on a tick of its own rule at the wall clock', async () => {
    const result = await deployedTick(
      tickEvent(Date.now(), { resources: [tickRuleArn(`${SUITE}-deployed`)] }),
    );
    expect(result.refused).toBeUndefined();
  });
});
