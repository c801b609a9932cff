import type { Evidence, MetricVerdict } from '../../../shared/domain/types';
import type { HistoryEntry } from '../../../shared/ports/rollout-repository';

/**
 * A history of known rollouts on 2026-03-01 (plus one 40 days earlier), with the figures
 * deployment analytics must give for it. Times are UTC, `HH:MM` on that day.
 */
export const DAY = '2026-03-01';
/** The stats request's time: the next midnight. */
export const STATS_NOW = Date.parse('2026-03-02T00:00:00Z');
export const MINUTE = 60_000;

const at = (hhmm: string, day = DAY): string => `${day}T${hhmm}:00.000Z`;

const SUMMARY = { invocations: 600, errors5xx: 1, errors4xx: 0, errorRate: 0.001, latencyP99Ms: 120 };

function evidence(
  window: [string, string],
  verdicts: MetricVerdict[] = [],
  alarm?: Evidence['alarm'],
): Evidence {
  return {
    windowStart: Date.parse(at(window[0])),
    windowEnd: Date.parse(at(window[1])),
    baseline: SUMMARY,
    canary: SUMMARY,
    metrics: verdicts,
    ...(alarm ? { alarm } : {}),
  };
}

function verdict(name: string, result: 'pass' | 'fail', consecutiveFailures: number): MetricVerdict {
  return {
    name,
    type: name === 'p99-latency' ? 'latency' : 'errorRate',
    verdict: result,
    canary: 0.2,
    baseline: 0.001,
    limit: 0.05,
    consecutiveFailures,
    reason: `${name} ${result}`,
  };
}

/** Builds one rollout's entries in order (versions counted from 1). */
function rollout(endpointName: string, start: string, day = DAY) {
  const rolloutId = `${endpointName}@${at(start, day)}#known`;
  const entries: HistoryEntry[] = [];
  const push = (entry: Omit<HistoryEntry, 'rolloutId' | 'version' | 'stepIndex'>) => {
    entries.push({ rolloutId, version: entries.length + 1, stepIndex: 0, ...entry } as HistoryEntry);
  };
  push({
    time: at(start, day),
    source: 'start',
    kind: 'start',
    phase: 'Progressing',
    canaryWeight: 5,
    reason: 'started',
  });
  const api = {
    judged(time: string, window: [string, string], verdicts: MetricVerdict[]) {
      push({
        time: at(time, day),
        source: 'tick',
        kind: 'decision',
        action: 'hold',
        phase: 'Progressing',
        canaryWeight: 5,
        reason: 'judged',
        evidence: evidence(window, verdicts),
      });
      return api;
    },
    metricRollback(time: string, window: [string, string], metric: string, failures: number) {
      push({
        time: at(time, day),
        source: 'tick',
        kind: 'decision',
        action: 'rollback',
        phase: 'RolledBack',
        canaryWeight: 0,
        reason: `${metric} failed`,
        cause: {
          kind: 'metric-failed',
          notes: [],
          metrics: [
            {
              metric,
              observed: 0.2,
              baseline: 0.001,
              limit: 0.05,
              consecutiveFailures: failures,
              failureLimit: failures,
            },
          ],
        },
        evidence: evidence(window, [verdict(metric, 'fail', failures)]),
      });
      return api;
    },
    alarmRollback(time: string, alarmName: string, reason: string) {
      push({
        time: at(time, day),
        source: 'alarm',
        kind: 'decision',
        action: 'rollback',
        phase: 'RolledBack',
        canaryWeight: 0,
        reason: `${alarmName} in ALARM`,
        cause: { kind: 'alarm-rollback', alarmName, fromWeight: 20 },
        evidence: { ...evidence([time, time]), alarm: { name: alarmName, state: 'ALARM', reason } },
      });
      return api;
    },
    command(time: string, command: 'rollback' | 'abort', phase: 'RolledBack' | 'Aborted') {
      push({
        time: at(time, day),
        source: 'operator',
        kind: 'command',
        action: 'rollback',
        phase,
        canaryWeight: 0,
        reason: `${command} by alice`,
        cause: {
          kind: 'command',
          command,
          operator: 'alice',
          reason: 'looks wrong',
          fromWeight: 20,
          toWeight: 0,
        },
      });
      return api;
    },
    promoted(time: string) {
      push({
        time: at(time, day),
        source: 'tick',
        kind: 'decision',
        action: 'promote',
        phase: 'Promoted',
        canaryWeight: 100,
        reason: 'promoted',
        cause: { kind: 'promoted', notes: [], completed: { kind: 'all-steps' }, judgement: 'pass' },
      });
      return api;
    },
    /** A later entry of the finished rollout (its weights landing): not a second outcome. */
    weightsLanded(time: string) {
      const last = entries[entries.length - 1] as HistoryEntry;
      push({
        time: at(time, day),
        source: 'reconcile',
        kind: 'weights',
        phase: last.phase,
        canaryWeight: last.canaryWeight,
        reason: 'weights applied',
      });
      return api;
    },
    entries,
  };
  return api;
}

/** Every known rollout's history: endpoint name and entries, in the order they happened. */
export function knownRollouts(): Array<{ endpointName: string; entries: HistoryEntry[] }> {
  const list = [
    // 40 days earlier: outside a 30-day period.
    rollout('fraud-a', '09:00', '2026-01-20').promoted('09:30'),
    // A: promoted after 40 minutes.
    rollout('fraud-a', '10:00').promoted('10:40').weightsLanded('10:41'),
    // B: error rate fails once, recovers, then fails twice in a row: detected from 11:10 (window
    // of the 11:15 judgement), rolled back 11:16 -> 6 minutes; 16 minutes long.
    rollout('fraud-a', '11:00')
      .judged('11:10', ['11:05', '11:10'], [verdict('error-rate', 'fail', 1)])
      .judged('11:11', ['11:06', '11:11'], [verdict('error-rate', 'pass', 0)])
      .judged('11:15', ['11:10', '11:15'], [verdict('error-rate', 'fail', 1)])
      .metricRollback('11:16', ['11:11', '11:16'], 'error-rate', 2),
    // C: the 5xx alarm's first breaching datapoint is 12:17, rollback 12:20 -> 3 minutes; 20 long.
    rollout('fraud-b', '12:00').alarmRollback(
      '12:20',
      'fraud-b-canary-5xx',
      'Threshold Crossed: 2 out of the last 2 datapoints [45.0 (01/03/26 12:18:00), 40.0 (01/03/26 12:17:00)] were greater than the threshold (30.0) (minimum 2 datapoints for OK -> ALARM transition).',
    ),
    // D: an operator rolls back after 5 minutes (no detection time).
    rollout('fraud-b', '13:00').command('13:05', 'rollback', 'RolledBack'),
    // E: aborted after 30 minutes.
    rollout('fraud-b', '14:00').command('14:30', 'abort', 'Aborted'),
    // F: p99 fails three times from the 15:10 judgement (window from 15:05): 7 minutes; 12 long.
    rollout('fraud-a', '15:00')
      .judged('15:10', ['15:05', '15:10'], [verdict('p99-latency', 'fail', 1)])
      .judged('15:11', ['15:06', '15:11'], [verdict('p99-latency', 'fail', 2)])
      .metricRollback('15:12', ['15:07', '15:12'], 'p99-latency', 3),
    // H: error rate fails twice from the 16:05 judgement (window from 16:00): 6 minutes; 6 long.
    rollout('fraud-b', '16:00')
      .judged('16:05', ['16:00', '16:05'], [verdict('error-rate', 'fail', 1)])
      .metricRollback('16:06', ['16:01', '16:06'], 'error-rate', 2),
  ];
  return list.map((r) => ({ endpointName: r.entries[0]!.rolloutId.split('@')[0]!, entries: r.entries }));
}

const min = (n: number): number => n * MINUTE;

/** The figures for `--since 30d` at STATS_NOW (the January rollout is left out). */
export const EXPECTED_OVERALL = {
  rollouts: 7,
  promoted: 1,
  rolledBack: 5,
  aborted: 1,
  // Durations 5, 6, 12, 16, 20, 30, 40 minutes.
  durationMs: { median: min(16), p90: min(40) },
  // B 6, C 3, F 7, H 6 minutes.
  timeToDetectMs: { median: min(6), count: 4 },
  topRollbackReasons: [
    { cause: 'metric', name: 'error-rate', count: 2 },
    { cause: 'alarm', name: 'fraud-b-canary-5xx', count: 1 },
    { cause: 'metric', name: 'p99-latency', count: 1 },
    { cause: 'operator', name: 'rollback', count: 1 },
  ],
};

export const EXPECTED_FRAUD_A = {
  endpointName: 'fraud-a',
  rollouts: 3,
  promoted: 1,
  rolledBack: 2,
  aborted: 0,
  durationMs: { median: min(16), p90: min(40) },
  timeToDetectMs: { median: min(6.5), count: 2 },
  topRollbackReasons: [
    { cause: 'metric', name: 'error-rate', count: 1 },
    { cause: 'metric', name: 'p99-latency', count: 1 },
  ],
};

export const EXPECTED_FRAUD_B = {
  endpointName: 'fraud-b',
  rollouts: 4,
  promoted: 0,
  rolledBack: 3,
  aborted: 1,
  durationMs: { median: min(13), p90: min(30) },
  timeToDetectMs: { median: min(4.5), count: 2 },
  topRollbackReasons: [
    { cause: 'metric', name: 'error-rate', count: 1 },
    { cause: 'alarm', name: 'fraud-b-canary-5xx', count: 1 },
    { cause: 'operator', name: 'rollback', count: 1 },
  ],
};
