/** Runs CLI commands in-process with captured streams (fast; the child-process tests cover the real bin). */
import { PassThrough } from 'node:stream';
import { main } from '../../../bin/cli';
import { STANDARD_POLICY_FILE } from '../../../shared/simulation/scenario-catalogue';

/** The scenario catalogue's standard policy. */
export const STANDARD_POLICY = STANDARD_POLICY_FILE;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `rollout-watchdog ARGV` in-process with `input` as standard input. */
export async function runInProcess(argv: string[], input = ''): Promise<CliResult> {
  const stdin = new PassThrough();
  let stdout = '';
  let stderr = '';
  stdin.end(input);
  const code = await main(argv, {
    stdin,
    stdout: {
      write: (text: string) => {
        stdout += text;
        return true;
      },
    },
    stderr: {
      write: (text: string) => {
        stderr += text;
        return true;
      },
    },
  });
  return { code, stdout, stderr };
}

/** Non-empty lines of `text` parsed as JSON. */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A healthy replay input line at `time` (3,000 requests, canary share `canaryShare`). */
export function healthyLine(time: string, canaryShare = 0.05): string {
  const canary = Math.round(3000 * canaryShare);
  const variant = (invocations: number) => ({
    invocations,
    errors5xx: Math.round(invocations * 0.002),
    errors4xx: Math.round(invocations * 0.01),
    latencyAvgMs: 52,
    latencyP50Ms: 40,
    latencyP90Ms: 95,
    latencyP99Ms: 180,
  });
  return JSON.stringify({
    time,
    variants: { primary: variant(3000 - canary), canary: variant(canary) },
    alarms: { 'demo-canary-5xx': 'OK' },
  });
}

/** `2026-01-01T00:MM:00Z` for minute `m` (0..59) after 00:00. */
export function minuteTime(m: number): string {
  return `2026-01-01T${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00Z`;
}
