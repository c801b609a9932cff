import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOperatorCommand } from '../../../../shared/control/control-commands';
import type { ControlDeps } from '../../../../shared/control/control-deps';
import type { HookPolicy, RolloutPolicy } from '../../../../shared/domain/types';
import { runTick } from '../../../../shared/watchdog/run-tick';
import {
  alarmStateChangeEvent,
  countingDeps,
  createEndpoint,
  type Harness,
  lambdaContext,
  MINUTE,
  parseOrThrow,
  standardPolicyText,
  startHarness,
  startRolloutOn,
} from './watchdog-harness';

/**
 * Ends decided outside the tick (the alarm handler's rollback, an operator's abort) owe the
 * policy's notify hooks at `afterEnd` and `onRollback`: the owing is written with the end, and
 * the next tick tells each hook once, recording every call in history, then clears it.
 */

type AlarmHandler = (event: unknown, context: unknown) => Promise<{ outcome: string }>;

function notifyHook(name: string, at: HookPolicy['at'], url: string): HookPolicy {
  return {
    name,
    at,
    kind: 'notify',
    target: { type: 'https', url },
    timeoutSeconds: 2,
    retries: 0,
    failureLimit: 5,
    onFailure: 'rollback',
  };
}

describe('notify hooks owed for ends decided outside the tick', () => {
  let h: Harness;
  let alarmHandler: AlarmHandler;

  beforeAll(async () => {
    h = await startHarness('owed-hooks');
    h.applyEnv();
    alarmHandler = (await import('../../../../handlers/alarm-rollback')).handler as unknown as AlarmHandler;
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  /** A rollout at its first step whose policy has `hooks` (none: the standard policy). */
  async function startWith(endpointName: string, hooks?: (name: string) => HookPolicy[]) {
    await createEndpoint(h, endpointName);
    const text = standardPolicyText(endpointName);
    const { deps } = countingDeps(h);
    const started = await startRolloutOn(h, deps, endpointName, text);
    if (hooks) {
      const policy: RolloutPolicy = { ...parseOrThrow(text), hooks: hooks(endpointName) };
      await h.store.save({ ...started, policy }, started.version);
    }
    await h.clock.advance(MINUTE);
    return deps;
  }

  const calls = (hook: string) =>
    h.sandbox.hooks.calls(hook).map((c) => c.body as { point: string; phase: string; rolloutId: string });

  it("an alarm handler's rollback: the next tick tells onRollback and afterEnd once each, into history", async () => {
    const endpointName = 'owed-alarm';
    const deps = await startWith(endpointName, (ep) => [
      notifyHook(`${ep}-ended`, ['afterEnd'], h.sandbox.hookUrl(`${ep}-ended`)),
      notifyHook(`${ep}-rolled`, ['onRollback'], h.sandbox.hookUrl(`${ep}-rolled`)),
    ]);
    h.sandbox.hooks.script(`${endpointName}-ended`, [{ allow: true }]);
    h.sandbox.hooks.script(`${endpointName}-rolled`, [{ allow: false, status: 500, reason: 'pager down' }]);

    const acted = await alarmHandler(
      alarmStateChangeEvent(`${endpointName}-canary-5xx`, 'ALARM', h.clock.now()),
      lambdaContext('alarmRollback'),
    );
    expect(acted.outcome).toBe('acted');
    const rolledBack = (await h.store.get(endpointName))!;
    expect(rolledBack.state.phase).toBe('RolledBack');
    expect(rolledBack.hooksOwed?.map((o) => [o.point, o.source, o.phase])).toEqual([
      ['onRollback', 'alarm', 'RolledBack'],
      ['afterEnd', 'alarm', 'RolledBack'],
    ]);
    expect(calls(`${endpointName}-ended`)).toHaveLength(0);

    for (let minute = 1; minute <= 3; minute++) {
      await h.clock.advance(MINUTE);
      await runTick(deps, { now: h.clock.now(), correlationId: `owed-alarm-${minute}` });
    }
    expect(calls(`${endpointName}-ended`).map((c) => [c.point, c.phase, c.rolloutId])).toEqual([
      ['afterEnd', 'RolledBack', rolledBack.rolloutId],
    ]);
    // A failed call is recorded, never retried by the watchdog and never blocking.
    expect(calls(`${endpointName}-rolled`).map((c) => c.point)).toEqual(['onRollback']);
    const after = (await h.store.get(endpointName))!;
    expect(after.hooksOwed).toBeUndefined();
    const history = await h.store.history(endpointName, { limit: 50 });
    const told = history.filter((e) => e.kind === 'hook');
    expect(told.map((e) => [e.hook?.point, e.hook?.failed, e.phase]).sort()).toEqual([
      ['afterEnd', false, 'RolledBack'],
      ['onRollback', true, 'RolledBack'],
    ]);
  }, 60_000);

  it("an operator's abort: the next tick tells afterEnd once", async () => {
    const endpointName = 'owed-abort';
    const deps = await startWith(endpointName, (ep) => [
      notifyHook(`${ep}-ended`, ['afterEnd', 'onRollback'], h.sandbox.hookUrl(`${ep}-ended`)),
    ]);
    h.sandbox.hooks.script(`${endpointName}-ended`, [{ allow: true }]);
    const aborted = await runOperatorCommand(
      deps as unknown as ControlDeps,
      endpointName,
      { type: 'abort', reason: 'wrong model' },
      { operator: 'arn:aws:iam::000000000000:user/ops', now: h.clock.now(), correlationId: 'owed-abort-cmd' },
    );
    expect(aborted.ok).toBe(true);
    expect((await h.store.get(endpointName))!.hooksOwed?.map((o) => [o.point, o.source])).toEqual([
      ['afterEnd', 'operator'],
    ]);
    for (let minute = 1; minute <= 3; minute++) {
      await h.clock.advance(MINUTE);
      await runTick(deps, { now: h.clock.now(), correlationId: `owed-abort-${minute}` });
    }
    expect(calls(`${endpointName}-ended`).map((c) => [c.point, c.phase])).toEqual([['afterEnd', 'Aborted']]);
    expect((await h.store.get(endpointName))!.hooksOwed).toBeUndefined();
    const history = await h.store.history(endpointName, { limit: 50 });
    expect(history.filter((e) => e.kind === 'hook').map((e) => e.hook?.point)).toEqual(['afterEnd']);
  }, 60_000);

  it('a rollout without notify hooks owes nothing when an operator ends it', async () => {
    const endpointName = 'owed-none';
    const deps = await startWith(endpointName);
    const aborted = await runOperatorCommand(
      deps as unknown as ControlDeps,
      endpointName,
      { type: 'abort' },
      { operator: 'arn:aws:iam::000000000000:user/ops', now: h.clock.now(), correlationId: 'owed-none-cmd' },
    );
    expect(aborted.ok).toBe(true);
    const record = (await h.store.get(endpointName))!;
    expect(record.state.phase).toBe('Aborted');
    expect(record.hooksOwed).toBeUndefined();
  }, 60_000);
});
