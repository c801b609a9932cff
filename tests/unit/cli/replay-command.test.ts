import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../../scenarios/replay-child';
import { healthyLine, jsonLines, minuteTime, runInProcess, STANDARD_POLICY } from './cli-harness';

const replay = (input: string[]) =>
  runInProcess(['replay', '--policy', STANDARD_POLICY], `${input.join('\n')}\n`);

const ANSWER_FIELDS = ['time', 'phase', 'stepIndex', 'weights', 'action', 'reason'];

describe('rollout-watchdog replay', () => {
  it('answers every line with time, phase, stepIndex, weights, action and reason, the first step in force', async () => {
    const result = await replay([healthyLine(minuteTime(1)), healthyLine(minuteTime(2))]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const answers = jsonLines(result.stdout);
    expect(answers).toHaveLength(2);
    for (const answer of answers) expect(Object.keys(answer)).toEqual(ANSWER_FIELDS);
    expect(answers[0]).toMatchObject({
      time: '2026-01-01T00:01:00Z',
      phase: 'Progressing',
      weights: { primary: 95, canary: 5 },
    });
    expect(answers[1]?.time).toBe('2026-01-01T00:02:00Z');
  });

  it('advances through the steps on healthy minutes and promotes at the minimum the steps allow', async () => {
    const lines = Array.from({ length: 45 }, (_, m) =>
      healthyLine(minuteTime(m + 1), m < 10 ? 0.05 : m < 20 ? 0.2 : 0.5),
    );
    const answers = jsonLines((await replay(lines)).stdout);
    expect(answers).toHaveLength(45);
    expect(answers[10]).toMatchObject({ action: 'advance', weights: { primary: 80, canary: 20 } });
    expect(answers[40]).toMatchObject({
      action: 'promote',
      phase: 'Promoted',
      weights: { primary: 0, canary: 100 },
    });
    expect(answers[44]).toMatchObject({ phase: 'Promoted', weights: { primary: 0, canary: 100 } });
  });

  it.each([
    ['bad JSON', '{"time": "2026-01-01T00:02:00Z",'],
    ['not an object', '[1, 2, 3]'],
    ['no time', '{"variants": {}}'],
    ['a time that is not ISO 8601', '{"time": "yesterday", "variants": {}}'],
    [
      'a count of the wrong type',
      '{"time": "2026-01-01T00:02:00Z", "variants": {"canary": {"invocations": "many"}}}',
    ],
    ['a negative count', '{"time": "2026-01-01T00:02:00Z", "variants": {"canary": {"invocations": -3}}}'],
    [
      'a latency of the wrong type',
      '{"time": "2026-01-01T00:02:00Z", "variants": {"canary": {"invocations": 3, "latencyP99Ms": "slow"}}}',
    ],
    [
      'an unknown alarm state',
      '{"time": "2026-01-01T00:02:00Z", "variants": {}, "alarms": {"demo-canary-5xx": "RED"}}',
    ],
    ['variants that are not an object', '{"time": "2026-01-01T00:02:00Z", "variants": 7}'],
  ])('answers a line with %s by holding, reports it on stderr, and changes nothing', async (_case, bad) => {
    const first = healthyLine(minuteTime(1));
    const later = healthyLine(minuteTime(3));
    const withBad = await replay([first, bad, later]);
    const without = await replay([first, later]);
    const answers = jsonLines(withBad.stdout);
    expect(answers).toHaveLength(3);
    expect(answers[1]).toMatchObject({
      phase: 'Progressing',
      action: 'hold',
      weights: { primary: 95, canary: 5 },
    });
    expect(String(answers[1]?.reason)).toMatch(/^malformed input: /);
    const errors = jsonLines(withBad.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ error: 'malformed input', line: 2 });
    // No change of state: the next answer is the one it would be without the bad line.
    expect(answers[2]).toEqual(jsonLines(without.stdout)[1]);
  });

  it('echoes the time of a malformed line when the time itself was readable', async () => {
    const bad = '{"time": "2026-01-01T00:02:00Z", "variants": {"canary": {"invocations": "many"}}}';
    const result = await replay([healthyLine(minuteTime(1)), bad]);
    expect(jsonLines(result.stdout)[1]).toMatchObject({ time: '2026-01-01T00:02:00Z', action: 'hold' });
    expect(jsonLines(result.stderr)[0]).toMatchObject({
      time: '2026-01-01T00:02:00Z',
      message: 'variants.canary.invocations: must be a number >= 0',
    });
  });

  it('answers a malformed first line with the first step weights and starts at the next valid line', async () => {
    const answers = jsonLines((await replay(['nonsense', healthyLine(minuteTime(1))])).stdout);
    expect(answers[0]).toMatchObject({ time: null, action: 'hold', weights: { primary: 95, canary: 5 } });
    expect(answers[1]).toMatchObject({ time: '2026-01-01T00:01:00Z', phase: 'Progressing' });
  });

  it('ignores empty lines without an answer', async () => {
    const result = await replay(['', healthyLine(minuteTime(1)), '   ', '', healthyLine(minuteTime(2))]);
    expect(jsonLines(result.stdout)).toHaveLength(2);
    expect(result.stderr).toBe('');
  });

  it('holds on a stale line (not newer than the last one) without changing state', async () => {
    const lines = [
      healthyLine(minuteTime(1)),
      healthyLine(minuteTime(2)),
      healthyLine(minuteTime(2)),
      healthyLine(minuteTime(1)),
    ];
    const answers = jsonLines((await replay([...lines, healthyLine(minuteTime(3))])).stdout);
    const fresh = jsonLines((await replay([lines[0]!, lines[1]!, healthyLine(minuteTime(3))])).stdout);
    expect(answers[2]).toMatchObject({ action: 'hold', weights: { primary: 95, canary: 5 } });
    expect(answers[3]).toMatchObject({ action: 'hold', weights: { primary: 95, canary: 5 } });
    expect(answers[4]).toEqual(fresh[2]);
  });

  it('accepts variants that are missing, without traffic, or with null latencies', async () => {
    const quiet = JSON.stringify({
      time: minuteTime(2),
      variants: {
        primary: {
          invocations: 0,
          errors5xx: 0,
          errors4xx: 0,
          latencyAvgMs: null,
          latencyP50Ms: null,
          latencyP90Ms: null,
          latencyP99Ms: null,
        },
      },
    });
    const result = await replay([healthyLine(minuteTime(1)), quiet, JSON.stringify({ time: minuteTime(3) })]);
    expect(result.stderr).toBe('');
    const answers = jsonLines(result.stdout);
    expect(answers).toHaveLength(3);
    expect(answers[2]?.phase).toBe('Progressing');
  });

  it('rolls back when a policy alarm enters ALARM, and never moves weight back to the canary', async () => {
    const alarm = JSON.stringify({
      ...JSON.parse(healthyLine(minuteTime(2))),
      alarms: { 'demo-canary-5xx': 'ALARM' },
    });
    const after = Array.from({ length: 15 }, (_, i) => healthyLine(minuteTime(3 + i)));
    const answers = jsonLines((await replay([healthyLine(minuteTime(1)), alarm, ...after])).stdout);
    expect(answers[1]).toMatchObject({
      action: 'rollback',
      phase: 'RolledBack',
      weights: { primary: 100, canary: 0 },
    });
    for (const answer of answers.slice(2)) {
      expect(answer).toMatchObject({ phase: 'RolledBack', weights: { primary: 100, canary: 0 } });
    }
  });

  it('applies operator commands on lines that carry one and refuses those that do not fit the phase', async () => {
    const result = await replay([
      healthyLine(minuteTime(1)),
      JSON.stringify({ time: minuteTime(2), command: { type: 'pause', reason: 'lunch' } }),
      JSON.stringify({ time: minuteTime(3), command: { type: 'resume' } }),
      JSON.stringify({ time: minuteTime(4), command: { type: 'promote' } }),
      JSON.stringify({ time: minuteTime(5), command: { type: 'rollback', reason: 'too late' } }),
    ]);
    const answers = jsonLines(result.stdout);
    expect(answers[1]?.phase).toBe('Paused');
    expect(answers[2]?.phase).toBe('Progressing');
    expect(answers[3]).toMatchObject({ phase: 'Promoted', weights: { primary: 0, canary: 100 } });
    expect(answers[4]).toMatchObject({
      phase: 'Promoted',
      action: 'hold',
      weights: { primary: 0, canary: 100 },
    });
    expect(jsonLines(result.stderr)).toEqual([
      expect.objectContaining({ error: 'command refused', line: 5 }),
    ]);
  });

  it('adds the evidence of each decision with --evidence', async () => {
    const result = await runInProcess(
      ['replay', '--policy', STANDARD_POLICY, '--evidence'],
      `${healthyLine(minuteTime(1))}\n`,
    );
    const [answer] = jsonLines(result.stdout);
    expect(Object.keys(answer ?? {})).toEqual([...ANSWER_FIELDS, 'evidence']);
    expect(answer?.evidence).toMatchObject({ canary: { invocations: 150 } });
  });

  it('refuses an invalid policy with its problems on stderr and exit 2, before reading', async () => {
    const bad = join(tmpdir(), `rw-replay-${process.pid}-bad.yaml`);
    writeFileSync(bad, 'apiVersion: rollout-watchdog/v2\n');
    const result = await runInProcess(['replay', '--policy', bad], `${healthyLine(minuteTime(1))}\n`);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const [error] = jsonLines(result.stderr);
    expect(error).toMatchObject({ error: 'invalid policy' });
    expect(((error?.problems ?? []) as string[]).some((p) => p.startsWith('apiVersion'))).toBe(true);
  });

  it.each([
    ['no --policy', ['replay']],
    ['a stray argument', ['replay', '--policy', STANDARD_POLICY, 'extra']],
  ])('exits 2 for %s', async (_case, argv) => {
    expect((await runInProcess(argv)).code).toBe(2);
  });
});

describe('rollout-watchdog replay as a child process', () => {
  it('answers each line as soon as it is read, so a caller can wait for each answer before the next', async () => {
    const child = startCli(['replay', '--policy', STANDARD_POLICY]);
    try {
      const first = JSON.parse(await child.send(healthyLine(minuteTime(1))));
      expect(first).toMatchObject({ time: '2026-01-01T00:01:00Z', weights: { primary: 95, canary: 5 } });
      const second = JSON.parse(await child.send(healthyLine(minuteTime(2))));
      expect(second.time).toBe('2026-01-01T00:02:00Z');
      const malformed = JSON.parse(await child.send('{"time": 12'));
      expect(malformed).toMatchObject({ action: 'hold', time: null });
      // A line split across two writes is still one line.
      child.write(healthyLine(minuteTime(3)).slice(0, 20));
      child.write(`${healthyLine(minuteTime(3)).slice(20)}\n`);
      expect(JSON.parse(await child.nextLine()).time).toBe('2026-01-01T00:03:00Z');
    } finally {
      expect(await child.close()).toBe(0);
    }
    expect(child.stderr().map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ error: 'malformed input', line: 3 }),
    ]);
  });

  it('exits 2 on an invalid policy without waiting for input', async () => {
    const result = await runCli(['replay', '--policy', join(tmpdir(), 'rw-replay-missing.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
  });
});
