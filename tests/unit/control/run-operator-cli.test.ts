import { describe, expect, it } from 'vitest';
import { EXIT, runOperatorCli } from '../../../shared/cli-client/run-operator-cli';
import { handleControlRequest } from '../../../shared/http/control-api-router';
import { makeFakes, rawPolicy } from './control-fakes';

const API = 'http://api.test';

/** A fetch that answers through the real router with in-memory deps, recording each request. */
function apiFetch() {
  const fakes = makeFakes();
  const requests: Array<{ method: string; url: string; headers: Record<string, string>; body?: string }> = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>));
    const body = typeof init?.body === 'string' ? init.body : undefined;
    requests.push({ method: init?.method ?? 'GET', url: url.toString(), headers, ...(body ? { body } : {}) });
    const response = await handleControlRequest(fakes.deps, {
      rawPath: url.pathname,
      headers,
      queryStringParameters: Object.fromEntries(url.searchParams),
      requestContext: {
        http: { method: init?.method ?? 'GET' },
        requestId: 'cli',
        timeEpoch: Date.parse('2026-03-01T10:00:00Z'),
      },
      ...(body ? { body } : {}),
    });
    return new Response(response.body, { status: response.statusCode, headers: response.headers });
  }) as typeof fetch;
  return { fakes, requests, fetchFn };
}

describe('runOperatorCli', () => {
  it('starts a rollout from a policy file and prints where it stands', async () => {
    const { fetchFn, requests } = apiFetch();
    const out = await runOperatorCli(
      ['start', 'ep-1', '--policy', 'p.yaml', '--api', API, '--operator', 'carol'],
      {
        fetch: fetchFn,
        readFile: async () => JSON.stringify(rawPolicy('ep-1')),
      },
    );
    expect(out).toMatchObject({ exitCode: EXIT.ok, stderr: '' });
    expect(out.stdout).toMatch(/^started ep-1: Progressing, primary 90% \/ canary 10%/);
    expect(requests[0]).toMatchObject({ method: 'POST', url: `${API}/rollouts` });
    expect(requests[0]?.headers['x-rollout-operator']).toBe('carol');
  });

  it('names the login user as the operator of an unsigned (local) request, unless --operator says otherwise', async () => {
    const { fetchFn, requests } = apiFetch();
    const io = { fetch: fetchFn, env: { USER: 'dana' } };
    await runOperatorCli(['status', 'ep-1', '--api', API], io);
    await runOperatorCli(['status', 'ep-1', '--api', API, '--operator', 'erin'], io);
    await runOperatorCli(['status', 'ep-1', '--api', API], {
      ...io,
      signRequest: async () => ({}),
    });
    expect(requests.map((r) => r.headers['x-rollout-operator'])).toEqual(['dana', 'erin', undefined]);
  });

  it('prints status, history and the list as text, or the API JSON with --json', async () => {
    const { fetchFn } = apiFetch();
    const io = { fetch: fetchFn, readFile: async () => JSON.stringify(rawPolicy('ep-1')) };
    await runOperatorCli(['start', 'ep-1', '--policy', 'p.yaml', '--api', API], io);
    await runOperatorCli(['pause', 'ep-1', '--reason', 'lunch', '--api', API], io);

    const status = await runOperatorCli(['status', 'ep-1', '--api', API], io);
    expect(status.stdout).toContain('ep-1 (us-east-1)  Paused');
    expect(status.stdout).toContain('endpoint  InService: primary 90% / canary 10%');

    const history = await runOperatorCli(['history', 'ep-1', '--limit', '5', '--api', API], io);
    expect(history.stdout.split('\n')[0]).toBe('ep-1: 2 entries, newest first');
    expect(history.stdout.split('\n')[1]).toContain('Paused');

    const list = await runOperatorCli(['status', '--api', API], io);
    expect(list.stdout).toMatch(/^active \(1\)\n {2}ep-1 /);

    const json = await runOperatorCli(['status', 'ep-1', '--api', API, '--json'], io);
    expect(JSON.parse(json.stdout)).toMatchObject({ endpointName: 'ep-1', phase: 'Paused' });
  });

  it('reads the API URL from ROLLOUT_WATCHDOG_API', async () => {
    const { fetchFn, requests } = apiFetch();
    await runOperatorCli(['list'], { fetch: fetchFn, env: { ROLLOUT_WATCHDOG_API: `${API}/` } });
    expect(requests[0]?.url).toBe(`${API}/rollouts`);
  });

  it('exits 1 and prints every problem when the API refuses', async () => {
    const { fetchFn } = apiFetch();
    const out = await runOperatorCli(['start', 'ep-1', '--api', API], { fetch: fetchFn });
    expect(out.exitCode).toBe(EXIT.refused);
    expect(out.stderr).toMatch(/^error 400: invalid request\n {2}- policy: required/);
  });

  it.each([
    [['rollback', 'ep-1', '--api', API], /rollback needs --reason/],
    [['pause', '--api', API], /pause needs an ENDPOINT/],
    [['status', 'ep-1'], /--api URL is required/],
    [['frobnicate'], /unknown command frobnicate/],
    [['status', 'ep-1', '--api', API, '--colour'], /^unknown option --colour\n/],
    [['history', 'ep-1', '--api', API, '--limit', '-5'], /^--limit needs a value; write --limit=VALUE/],
    [['history', 'ep-1', '--api', API, '--limit=-5'], /--limit must be a whole number >= 1/],
    [['status', 'ep-1', '--api', API, '--json=yes'], /^--json takes no value\n/],
    [['history', 'ep-1', '--api', API, '--limit', 'x'], /--limit must be/],
    [['start', 'ep-1', '--api', API, '--force'], /^start --force needs --reason TEXT/],
    [['start', 'ep-1', '--api', API, '--force', '--reason', '\u200B '], /^start --force needs --reason TEXT/],
    [['start', 'ep-1', '--api', API, '--force=yes', '--reason', 'r'], /^--force takes no value\n/],
    [['pause', 'ep-1', '--api', API, '--force', '--reason', 'r'], /^--force is an option of start only/],
  ])('exits 2 with usage for %j', async (argv, message) => {
    const out = await runOperatorCli(argv, { fetch: apiFetch().fetchFn });
    expect(out.exitCode).toBe(EXIT.usage);
    expect(out.stderr).toMatch(message);
    expect(out.stderr).toContain('usage:');
  });

  it.each([
    [['rollback', 'ep-1', '--api', API, '--reason', '\u200B\u200C\u200D'], /rollback needs --reason/],
    [['rollback', 'ep-1', '--api', API, '--reason=\u2060\uFEFF\u00A0 '], /rollback needs --reason/],
    [['history', 'ep-1', '--api', API, '--limit=0x10'], /--limit must be a whole number >= 1/],
    [['history', 'ep-1', '--api', API, '--limit=1e1'], /--limit must be a whole number >= 1/],
  ])('exits 2 with usage for the loose value in %j, sending nothing', async (argv, message) => {
    const { fetchFn, requests } = apiFetch();
    const out = await runOperatorCli(argv, { fetch: fetchFn });
    expect(out.exitCode).toBe(EXIT.usage);
    expect(out.stderr).toMatch(message);
    expect(requests).toEqual([]);
  });

  it('sends the reason normalised (NFC, invisible characters trimmed)', async () => {
    const { fetchFn, requests } = apiFetch();
    await runOperatorCli(['start', 'ep-1', '--api', API, '--reason', '\u200Bcafe\u0301\uFEFF'], {
      fetch: fetchFn,
      readFile: async () => JSON.stringify(rawPolicy('ep-1')),
    });
    expect(JSON.parse(requests[0]?.body ?? '{}').reason).toBe('caf\u00E9');
  });

  it('exits 3 when the API cannot be reached', async () => {
    const failing = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const out = await runOperatorCli(['list', '--api', API], { fetch: failing });
    expect(out).toMatchObject({ exitCode: EXIT.unavailable, stdout: '' });
    expect(out.stderr).toContain('cannot reach the control API');
  });
});

describe('runOperatorCli headers', () => {
  it('sends the extra headers it is given (the sandbox clock for the local stage)', async () => {
    const { fetchFn, requests } = apiFetch();
    await runOperatorCli(['list', '--api', API], {
      fetch: fetchFn,
      headers: { 'x-watchdog-now': '2026-03-01T10:05:00Z' },
    });
    expect(requests[0]?.headers['x-watchdog-now']).toBe('2026-03-01T10:05:00Z');
  });
});

describe('runOperatorCli start --force', () => {
  const ALARM = 'ep-1-canary-5xx';

  it('documents --force --reason in its usage', async () => {
    const out = await runOperatorCli(['start'], {});
    expect(out.stderr).toContain(
      'rollout-watchdog start ENDPOINT [--policy FILE] [--reason TEXT] [--force --reason TEXT]',
    );
  });

  it('exits 1 naming the alarm in ALARM and how to override, then starts with --force --reason and says what it overrode', async () => {
    const { fakes, fetchFn, requests } = apiFetch();
    fakes.alarms.states.set(ALARM, 'ALARM');
    const io = { fetch: fetchFn, readFile: async () => JSON.stringify(rawPolicy('ep-1', [ALARM])) };

    const refused = await runOperatorCli(['start', 'ep-1', '--policy', 'p.json', '--api', API], io);
    expect(refused.exitCode).toBe(EXIT.refused);
    expect(refused.stderr).toMatch(
      /^error 409: start of ep-1 refused: alarm\(s\) ep-1-canary-5xx already in ALARM/,
    );
    expect(refused.stderr).toContain('rollout-watchdog start ep-1 --force --reason TEXT');
    expect(refused.stderr).toContain(`  - alarm ${ALARM} is in ALARM`);

    const forced = await runOperatorCli(
      [
        'start',
        'ep-1',
        '--policy',
        'p.json',
        '--api',
        API,
        '--force',
        '--reason',
        'alarm is on the old model',
      ],
      io,
    );
    expect(forced).toMatchObject({ exitCode: EXIT.ok, stderr: '' });
    expect(forced.stdout).toMatch(/^started ep-1: Progressing/);
    expect(forced.stdout).toContain(`alarm check overridden (in ALARM: ${ALARM}); recorded in history`);
    expect(JSON.parse(requests[1]?.body ?? '{}')).toMatchObject({
      force: true,
      reason: 'alarm is on the old model',
    });
  });

  it('sends no force field unless asked', async () => {
    const { fetchFn, requests } = apiFetch();
    await runOperatorCli(['start', 'ep-1', '--api', API, '--reason', 'v2'], {
      fetch: fetchFn,
      readFile: async () => JSON.stringify(rawPolicy('ep-1')),
    });
    expect(JSON.parse(requests[0]?.body ?? '{}')).not.toHaveProperty('force');
  });
});
