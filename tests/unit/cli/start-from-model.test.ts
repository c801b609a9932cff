import { describe, expect, it } from 'vitest';
import type {
  EndpointChangeView,
  RolloutStatus,
  RolloutSummary,
} from '../../../shared/control/control-contract';
import { EXIT, runOperatorCli } from '../../../shared/cli-client/run-operator-cli';
import { renderList, renderStatus } from '../../../shared/cli-client/render-rollout';
import { runInProcess } from './cli-harness';

const API = 'http://api.test';
const EP = 'fraud-prod';

function change(overrides: Partial<EndpointChangeView> = {}): EndpointChangeView {
  return {
    kind: 'add-canary',
    status: 'updating',
    description: `canary deployment under way: the endpoint moves to config ${EP}-rw0a1b2c3d-canary (adds 1 × ml.m5.large (canary, model fraud-v2))`,
    dueAt: '2026-03-01T10:00:00.000Z',
    since: '2026-03-01T10:00:00.000Z',
    attempt: 1,
    model: 'fraud-v2',
    targetConfig: `${EP}-rw0a1b2c3d-canary`,
    previousConfig: `${EP}-initial`,
    ...overrides,
  };
}

function summary(overrides: Partial<RolloutSummary> = {}): RolloutSummary {
  return {
    endpointName: EP,
    region: 'us-east-1',
    rolloutId: 'r-1',
    phase: 'Progressing',
    stepIndex: 0,
    stepCount: 2,
    step: 'setWeight 20%',
    baselineVariant: 'primary',
    canaryVariant: 'canary',
    weights: { primary: 100, canary: 0 },
    appliedWeights: null,
    pendingWeights: false,
    pauseCause: null,
    message: '',
    startedAt: '2026-03-01T10:00:00.000Z',
    stepStartedAt: '2026-03-01T10:00:00.000Z',
    createdAt: '2026-03-01T10:00:00.000Z',
    updatedAt: '2026-03-01T10:00:00.000Z',
    version: 1,
    endpointChange: change(),
    ...overrides,
  };
}

function status(overrides: Partial<RolloutStatus> = {}): RolloutStatus {
  return {
    ...summary(),
    lastDecision: null,
    endpoint: {
      status: 'InService',
      weights: { primary: 100, canary: 0 },
      desiredWeights: { primary: 100, canary: 0 },
      runs: {
        configName: `${EP}-rw0a1b2c3d-canary`,
        pendingConfigName: null,
        variants: [
          { variantName: 'primary', modelName: 'fraud-v1', instanceType: 'ml.m5.xlarge', instanceCount: 2 },
          { variantName: 'canary', modelName: 'fraud-v2', instanceType: 'ml.m5.large', instanceCount: 1 },
        ],
      },
    },
    ...overrides,
  };
}

/**
 * A control API that answers the start with `started` and each later status read with the next
 * of `statuses` (the last one repeats), recording the requests.
 */
function scriptedApi(
  started: { status: number; body: unknown },
  statuses: Array<{ status: number; body: unknown }>,
) {
  const requests: Array<{ method: string; path: string; body?: Record<string, unknown> }> = [];
  let reads = 0;
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const body =
      typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : undefined;
    requests.push({ method, path: url.pathname, ...(body ? { body } : {}) });
    const answer =
      method === 'POST'
        ? started
        : (statuses[Math.min(reads++, statuses.length - 1)] as (typeof statuses)[0]);
    return new Response(JSON.stringify(answer.body), { status: answer.status });
  }) as typeof fetch;
  return { fetchFn, requests };
}

/** Sleeps that only move a fake wall clock, so a 30-minute wait takes no time. */
function fakeTime() {
  let now = Date.parse('2026-03-01T10:00:00Z');
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
  };
}

const started = (rollout: RolloutSummary = summary()) => ({
  status: 201,
  body: { outcome: 'applied', rollout },
});

describe('rollout-watchdog start --model', () => {
  it('sends the model, then waits for the canary deployment with a progress line per change, and ends when the steps begin', async () => {
    const api = scriptedApi(started(), [
      { status: 200, body: status() },
      { status: 200, body: status() },
      {
        status: 200,
        body: status({
          endpointChange: change({
            status: 'done',
            description: `canary deployment done: config ${EP}-rw0a1b2c3d-canary in service (adds 1 × ml.m5.large (canary, model fraud-v2))`,
          }),
          weights: { primary: 80, canary: 20 },
        }),
      },
    ]);
    const time = fakeTime();
    const progress: string[] = [];
    const out = await runOperatorCli(['start', EP, '--model', 'fraud-v2', '--api', API], {
      fetch: api.fetchFn,
      ...time,
      progress: (line) => progress.push(line),
    });

    expect(api.requests[0]).toMatchObject({
      method: 'POST',
      path: '/rollouts',
      body: { endpointName: EP, model: 'fraud-v2' },
    });
    expect(api.requests.slice(1).map((r) => `${r.method} ${r.path}`)).toEqual(
      Array(3).fill(`GET /rollouts/${EP}`),
    );
    // Unchanged status reads print nothing new: one line for the start, one for the change.
    expect(progress).toEqual([
      expect.stringMatching(/^ {2}\+0s {2}canary deployment under way: .*\(adds 1 × ml\.m5\.large/),
      expect.stringMatching(
        /^ {2}\+15s {2}canary deployment done: config fraud-prod-rw0a1b2c3d-canary in service/,
      ),
    ]);
    expect(time.slept).toEqual([5000, 5000, 5000]);
    expect(out.exitCode).toBe(EXIT.ok);
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(/^started fraud-prod: Progressing, primary 80% \/ canary 20%/);
  });

  it('exits 1 with the failure and what to do when SageMaker refuses the deployment', async () => {
    const failed = change({
      status: 'failed',
      description: 'canary deployment failed: InsufficientInstanceCapacity; resume tries it again',
      failure: 'InsufficientInstanceCapacity: no ml.m5.large capacity in us-east-1',
    });
    const api = scriptedApi(started(), [
      { status: 200, body: status({ phase: 'Paused', pauseCause: 'endpoint', endpointChange: failed }) },
    ]);
    const out = await runOperatorCli(['start', EP, '--model', 'fraud-v2', '--api', API], {
      fetch: api.fetchFn,
      ...fakeTime(),
    });
    expect(out.exitCode).toBe(EXIT.refused);
    expect(out.stdout).toMatch(/^started fraud-prod: Paused/);
    expect(out.stderr).toMatch(
      /^the canary deployment of fraud-prod failed: InsufficientInstanceCapacity: no ml\.m5\.large capacity in us-east-1\. The endpoint stays on config fraud-prod-initial\./,
    );
    expect(out.stderr).toMatch(/`resume` to try the deployment again, or `abort`/);
    expect(out.stderr).toContain('rollout-watchdog resume fraud-prod');
  });

  it('gives up watching after --wait-timeout, exits 0 and says the watchdog carries on', async () => {
    const api = scriptedApi(started(), [{ status: 200, body: status() }]);
    const time = fakeTime();
    const out = await runOperatorCli(
      ['start', EP, '--model', 'fraud-v2', '--wait-timeout', '12s', '--api', API],
      { fetch: api.fetchFn, ...time },
    );
    expect(time.slept).toEqual([5000, 5000, 2000]);
    expect(out.exitCode).toBe(EXIT.ok);
    expect(out.stderr).toMatch(/^stopped waiting after 12s: canary deployment under way/);
    expect(out.stderr).toContain('follow it with `rollout-watchdog status fraud-prod`');
  });

  it('keeps waiting through a status read the API cannot answer, saying so', async () => {
    const api = scriptedApi(started(), [
      { status: 503, body: { error: 'DynamoDB unavailable' } },
      {
        status: 200,
        body: status({ endpointChange: change({ status: 'done', description: 'canary deployment done' }) }),
      },
    ]);
    const progress: string[] = [];
    const out = await runOperatorCli(['start', EP, '--model', 'fraud-v2', '--api', API], {
      fetch: api.fetchFn,
      ...fakeTime(),
      progress: (line) => progress.push(line),
    });
    expect(out.exitCode).toBe(EXIT.ok);
    expect(progress[1]).toMatch(/status unreadable \(error 503: DynamoDB unavailable\); trying again/);
    expect(progress[2]).toMatch(/canary deployment done$/);
  });

  it('returns at once with --no-wait, and does not wait when the endpoint already runs the model as its canary', async () => {
    const noWait = scriptedApi(started(), []);
    const first = await runOperatorCli(['start', EP, '--model', 'fraud-v2', '--no-wait', '--api', API], {
      fetch: noWait.fetchFn,
    });
    expect(first.exitCode).toBe(EXIT.ok);
    expect(first.stdout).toMatch(/\n {2}canary deployment under way/);
    expect(noWait.requests).toHaveLength(1);

    const { endpointChange: _none, ...withoutChange } = summary();
    const already = scriptedApi(started({ ...withoutChange, weights: { primary: 80, canary: 20 } }), []);
    const second = await runOperatorCli(['start', EP, '--model', 'fraud-v2', '--api', API], {
      fetch: already.fetchFn,
    });
    expect(second.exitCode).toBe(EXIT.ok);
    expect(already.requests).toHaveLength(1);
  });

  it('exits 1 when the rollout leaves the deployment another way (aborted meanwhile)', async () => {
    const api = scriptedApi(started(), [
      {
        status: 200,
        body: status({
          phase: 'Aborted',
          endpointChange: change({
            kind: 'remove-canary',
            status: 'waiting',
            description: 'canary clean-up due at 2026-03-01T10:30:00.000Z',
          }),
        }),
      },
    ]);
    const out = await runOperatorCli(['start', EP, '--model', 'fraud-v2', '--api', API], {
      fetch: api.fetchFn,
      ...fakeTime(),
    });
    expect(out.exitCode).toBe(EXIT.refused);
    expect(out.stderr).toMatch(/is Aborted already \(ended during or right after its canary.s deployment/);
  });

  it.each([
    [['start', EP, '--api', API, '--model', ' '], /^--model needs a MODEL_NAME/],
    [['pause', EP, '--api', API, '--model', 'm'], /^--model is an option of start only/],
    [['start', EP, '--api', API, '--no-wait'], /^--no-wait and --wait-timeout go with start --model/],
    [
      ['start', EP, '--api', API, '--model', 'm', '--wait-timeout', '10 minutes'],
      /^--wait-timeout must be a duration/,
    ],
  ])('exits 2 with usage for %j, before any request', async (argv, message) => {
    const api = scriptedApi(started(), []);
    const out = await runOperatorCli(argv, { fetch: api.fetchFn });
    expect(out.exitCode).toBe(EXIT.usage);
    expect(out.stderr).toMatch(message);
    expect(api.requests).toHaveLength(0);
  });

  it('documents --model, --no-wait and --wait-timeout in start --help', async () => {
    const help = await runInProcess(['start', '--help']);
    expect(help.stdout).toContain(
      'rollout-watchdog start ENDPOINT --model MODEL_NAME [--no-wait] [--wait-timeout DURATION]',
    );
    expect(help.stdout).toMatch(/--wait-timeout 30m by default \(then exit 0: the watchdog carries on\)/);
  });
});

describe('status and list show the endpoint lifecycle', () => {
  it('shows the config in service, each variant with its model and instances, and the lifecycle step', () => {
    const text = renderStatus(
      status({
        phase: 'Promoted',
        endpointChange: change({
          kind: 'retire-baseline',
          status: 'waiting',
          description: 'baseline retirement due at 2026-03-01T10:10:00.000Z',
        }),
      }),
    );
    expect(text).toContain('  runs      config fraud-prod-rw0a1b2c3d-canary\n');
    expect(text).toContain('            primary  model fraud-v1 on 2 × ml.m5.xlarge\n');
    expect(text).toContain('            canary   model fraud-v2 on 1 × ml.m5.large\n');
    expect(text).toContain('  lifecycle baseline retirement due at 2026-03-01T10:10:00.000Z');
  });

  it('names the config an update in flight moves to', () => {
    const base = status();
    const endpoint = base.endpoint as Extract<RolloutStatus['endpoint'], { status: string }>;
    const text = renderStatus({
      ...base,
      endpoint: { ...endpoint, runs: { ...endpoint.runs!, pendingConfigName: `${EP}-rw0a1b2c3d-promoted` } },
    });
    expect(text).toContain(
      'config fraud-prod-rw0a1b2c3d-canary (updating to fraud-prod-rw0a1b2c3d-promoted)',
    );
  });

  it('notes the lifecycle step in the list', () => {
    const text = renderList({
      active: [],
      recent: [
        summary({ phase: 'RolledBack', endpointChange: change({ kind: 'remove-canary', status: 'done' }) }),
      ],
    });
    expect(text).toMatch(/RolledBack .*\[canary clean-up done\]$/m);
  });
});
