import { describe, expect, it } from 'vitest';
import { deploymentStats } from '../../../shared/stats/deployment-stats';
import { endsRollout, rolloutOutcome } from '../../../shared/stats/rollout-outcome';
import { runStatsCommand } from '../../../shared/cli-client/run-stats-cli';
import type { HistoryEntry } from '../../../shared/ports/rollout-repository';
import { knownRollouts } from './known-rollouts';

/** The known rollouts of March 1st as GET /stats answers them. */
const STATS = deploymentStats(
  knownRollouts()
    .slice(1)
    .map(({ endpointName, entries }) =>
      rolloutOutcome(endpointName, entries.find(endsRollout) as HistoryEntry, entries),
    ),
  { since: '2026-01-31T00:00:00.000Z', until: '2026-03-02T00:00:00.000Z' },
);

function run(args: string[], answer: { status: number; body: unknown }) {
  const out: string[] = [];
  const err: string[] = [];
  const urls: string[] = [];
  const fetchStub = (async (url: string) => {
    urls.push(url);
    return new Response(JSON.stringify(answer.body), { status: answer.status });
  }) as unknown as typeof fetch;
  return runStatsCommand(args, {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    env: { ROLLOUT_WATCHDOG_API: 'http://127.0.0.1:3000' },
    fetch: fetchStub,
  }).then((code) => ({ code, stdout: out.join(''), stderr: err.join(''), urls }));
}

describe('rollout-watchdog stats', () => {
  it('asks GET /stats for the period and endpoint and prints the figures as a table', async () => {
    const result = await run(['--since', '30d'], { status: 200, body: STATS });
    expect(result.code).toBe(0);
    expect(result.urls).toEqual(['http://127.0.0.1:3000/stats?since=30d']);
    const lines = result.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('all endpoints'))?.split(/\s{2,}/)).toEqual([
      'all endpoints',
      '7',
      '1',
      '5',
      '1',
      '16m',
      '40m',
      '6m (median of 4)',
    ]);
    expect(lines.find((l) => l.startsWith('fraud-b'))?.split(/\s{2,}/)).toEqual([
      'fraud-b',
      '4',
      '0',
      '3',
      '1',
      '13m',
      '30m',
      '4m 30s (median of 2)',
    ]);
    expect(result.stdout).toContain('    2  metric error-rate');
  });

  it('prints the same figures as JSON with --json', async () => {
    const result = await run(['--json', '--endpoint', 'fraud-a'], { status: 200, body: STATS });
    expect(result.urls).toEqual(['http://127.0.0.1:3000/stats?endpoint=fraud-a']);
    expect(JSON.parse(result.stdout)).toEqual(STATS);
  });

  it("prints the API's problems and exits 1 when the period is refused", async () => {
    const result = await run(['--since', '2y'], {
      status: 400,
      body: { error: 'invalid request', problems: ['query.since: must be an age such as 30d'] },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('query.since: must be an age such as 30d');
  });

  it('refuses arguments it does not know, with the usage', async () => {
    const result = await run(['--sinse', '3d'], { status: 200, body: STATS });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: rollout-watchdog stats');
  });
});
