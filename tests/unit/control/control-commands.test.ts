import { describe, expect, it } from 'vitest';
import {
  MAX_COMMAND_ATTEMPTS,
  runOperatorCommand,
  startRolloutCommand,
} from '../../../shared/control/control-commands';
import { listRollouts, rolloutHistory, rolloutStatus } from '../../../shared/control/control-queries';
import { SageMakerCallError } from '../../../shared/ports/endpoint-weights';
import { makeFakes, rawPolicy } from './control-fakes';

const EP = 'unit-endpoint';
const NOW = Date.parse('2026-03-01T10:00:00Z');
const ctx = { operator: 'arn:aws:iam::1:user/bob', now: NOW, correlationId: 'req-1' };

describe('startRolloutCommand', () => {
  it('creates the rollout, applies the first weights and announces the start with the operator', async () => {
    const { deps, endpoint, published, store } = makeFakes();
    const result = await startRolloutCommand(
      deps,
      { endpointName: EP, policy: rawPolicy(EP), reason: 'v2' },
      ctx,
    );
    expect(result).toMatchObject({
      ok: true,
      body: { outcome: 'applied', rollout: { phase: 'Progressing' } },
    });
    expect(endpoint.calls).toEqual([{ primary: 90, canary: 10 }]);
    expect(store.records.get(EP)?.appliedCanaryWeight).toBe(10);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      eventType: 'rollout.started',
      actor: ctx.operator,
      source: 'operator',
    });
    expect(published[0]?.reason).toContain('v2');
    expect(store.histories.get(EP)?.[0]).toMatchObject({ kind: 'start', canaryWeight: 10 });
  });

  it('leaves the first weights pending when the endpoint turns busy (the tick applies them)', async () => {
    const { deps, endpoint } = makeFakes();
    endpoint.setWeights = async () => {
      const { EndpointNotReadyError } = await import('../../../shared/ports/endpoint-weights');
      throw new EndpointNotReadyError(EP);
    };
    const result = await startRolloutCommand(deps, { endpointName: EP, policy: rawPolicy(EP) }, ctx);
    expect(result).toMatchObject({
      ok: true,
      body: { outcome: 'deferred', rollout: { pendingWeights: true } },
    });
  });

  it.each([
    [
      'the endpoint is Updating',
      (f: ReturnType<typeof makeFakes>) => (f.endpoint.status = 'Updating'),
      'conflict',
    ],
    [
      'a variant is missing',
      (f: ReturnType<typeof makeFakes>) => (f.endpoint.variants = ['primary']),
      'conflict',
    ],
    [
      'the endpoint does not exist',
      (f: ReturnType<typeof makeFakes>) => (f.endpoint.missing = true),
      'not-found',
    ],
    [
      'SageMaker fails',
      (f: ReturnType<typeof makeFakes>) =>
        (f.endpoint.failure = new SageMakerCallError('boom', { cause: null })),
      'unavailable',
    ],
  ])('refuses to start when %s, sending no weights', async (_case, arrange, kind) => {
    const fakes = makeFakes();
    arrange(fakes);
    const result = await startRolloutCommand(fakes.deps, { endpointName: EP, policy: rawPolicy(EP) }, ctx);
    expect(result).toMatchObject({ ok: false, kind });
    expect(fakes.endpoint.calls).toEqual([]);
    expect(fakes.store.records.size).toBe(0);
  });

  it('refuses a second start while the first rollout is not final', async () => {
    const { deps } = makeFakes();
    await startRolloutCommand(deps, { endpointName: EP, policy: rawPolicy(EP) }, ctx);
    const again = await startRolloutCommand(deps, { endpointName: EP, policy: rawPolicy(EP) }, ctx);
    expect(again).toMatchObject({ ok: false, kind: 'conflict' });
  });

  it('lists every policy problem, relative to the request body', async () => {
    const { deps } = makeFakes();
    const policy = rawPolicy(EP);
    (policy.strategy as { canary: { steps: unknown[] } }).canary.steps[0] = { setWeight: 150 };
    (policy.analysis as Record<string, unknown>).window = 'soon';
    const result = await startRolloutCommand(deps, { endpointName: EP, policy }, ctx);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.kind).toBe('invalid');
    expect(result.problems?.length).toBeGreaterThanOrEqual(2);
    for (const problem of result.problems ?? []) expect(problem).toMatch(/^policy/);
  });

  it('reports a YAML syntax error in policy text as one problem', async () => {
    const { deps } = makeFakes();
    const result = await startRolloutCommand(deps, { endpointName: EP, policy: 'endpoint: [unclosed' }, ctx);
    expect(result).toMatchObject({ ok: false, kind: 'invalid' });
    if (!result.ok) expect(result.problems?.[0]).toMatch(/^policy: not valid YAML/);
  });

  it('answers unprocessable with the problems when the stored policy is invalid', async () => {
    const fakes = makeFakes();
    fakes.stored.lookup = { status: 'invalid', problems: ['analysis.window: bad duration'] };
    const result = await startRolloutCommand(fakes.deps, { endpointName: EP }, ctx);
    expect(result).toEqual({
      ok: false,
      kind: 'unprocessable',
      error: expect.stringContaining('/rollout-watchdog/test/policies/unit-endpoint'),
      problems: ['policy.analysis.window: bad duration'],
    });
  });
});

describe('runOperatorCommand', () => {
  async function started() {
    const fakes = makeFakes();
    await startRolloutCommand(fakes.deps, { endpointName: EP, policy: rawPolicy(EP) }, ctx);
    fakes.published.length = 0;
    return fakes;
  }

  it('re-reads and decides again after a version conflict with the tick', async () => {
    const fakes = await started();
    fakes.store.conflicts = 1;
    fakes.store.gets = 0;
    const result = await runOperatorCommand(fakes.deps, EP, { type: 'pause' }, ctx);
    expect(result).toMatchObject({ ok: true, body: { rollout: { phase: 'Paused' } } });
    // the first read, the re-read after the conflict, and the drain's look at where the rollout stands as the message leaves
    expect(fakes.store.gets).toBe(3);
  });

  it(`gives up with a conflict after ${MAX_COMMAND_ATTEMPTS} conflicting attempts`, async () => {
    const fakes = await started();
    fakes.store.conflicts = 99;
    const result = await runOperatorCommand(fakes.deps, EP, { type: 'pause' }, ctx);
    expect(result).toMatchObject({ ok: false, kind: 'conflict' });
    expect(fakes.published).toEqual([]);
  });

  it('answers not-found without a rollout and conflict for a command that does not fit the phase', async () => {
    const fakes = await started();
    expect(await runOperatorCommand(fakes.deps, 'other', { type: 'pause' }, ctx)).toMatchObject({
      kind: 'not-found',
    });
    expect(await runOperatorCommand(fakes.deps, EP, { type: 'resume' }, ctx)).toMatchObject({
      kind: 'conflict',
    });
  });

  it('names the operator in the decision that history and the notification carry', async () => {
    const fakes = await started();
    await runOperatorCommand(fakes.deps, EP, { type: 'rollback', reason: 'bad p99' }, ctx);
    expect(fakes.endpoint.weights).toEqual({ primary: 100, canary: 0 });
    expect(fakes.published[0]).toMatchObject({ eventType: 'rollout.rolled-back', actor: ctx.operator });
    expect(fakes.published[0]?.reason).toContain(`rolled back by ${ctx.operator}: bad p99`);
  });
});

describe('status and history', () => {
  it('shows an unreadable endpoint as an error inside a successful status', async () => {
    const fakes = makeFakes();
    await startRolloutCommand(fakes.deps, { endpointName: EP, policy: rawPolicy(EP) }, ctx);
    fakes.endpoint.failure = new SageMakerCallError('DescribeEndpoint failed', { cause: null });
    const result = await rolloutStatus(fakes.deps, EP);
    expect(result).toMatchObject({
      ok: true,
      body: { endpoint: { error: expect.stringContaining('failed') } },
    });
  });

  it('answers not-found for history of an endpoint never rolled out', async () => {
    const { deps } = makeFakes();
    expect(await rolloutHistory(deps, 'nothing-here', 10)).toMatchObject({ ok: false, kind: 'not-found' });
  });
});

describe('listRollouts', () => {
  it('still lists the active rollouts when the recent ones cannot be read', async () => {
    const fakes = makeFakes();
    await startRolloutCommand(fakes.deps, { endpointName: EP, policy: rawPolicy(EP) }, ctx);
    fakes.deps.listRecent = async () => {
      throw new Error('AccessDeniedException: not authorized to perform dynamodb:Scan');
    };
    const result = await listRollouts(fakes.deps);
    expect(result).toMatchObject({
      ok: true,
      body: { active: [{ endpointName: EP }], recent: [], recentError: expect.stringContaining('Scan') },
    });
  });
});
