import type { HookCallResult } from '../ports/hook-caller';

/**
 * One hook call in words, for its history entry and the logs:
 * `gate load-test at beforeStep: no (HTTP 503, 3 attempts, 1,204 ms): load test running`.
 */
export function describeHookCall(call: HookCallResult, kind: 'gate' | 'notify'): string {
  const answer = call.failed ? 'call failed' : call.allow ? (kind === 'gate' ? 'allowed' : 'told') : 'no';
  const how = [
    ...(call.status !== undefined
      ? [`${call.status >= 100 && call.status < 600 ? `HTTP ${call.status}` : call.status}`]
      : []),
    `${call.attempts} attempt${call.attempts === 1 ? '' : 's'}`,
    `${Math.round(call.ms)} ms`,
  ].join(', ');
  return `${kind} ${call.hook} at ${call.point}: ${answer} (${how}): ${call.reason}`;
}
