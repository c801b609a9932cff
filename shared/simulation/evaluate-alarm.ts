/**
 * Pure CloudWatch metric-alarm evaluation, shared by the scenario simulator (alarm states in the
 * replay lines) and the sandbox's CloudWatch (alarm state changes and their events).
 *
 * Model (AWS "Configuring how CloudWatch alarms treat missing data"):
 * - The caller passes the alarm's *evaluation range*: one entry per period, oldest first, `value`
 *   null for a period without data. It is normally `evaluationPeriods` long; it may be longer,
 *   because CloudWatch looks further back for real datapoints when some are missing. A shorter
 *   range is padded with missing periods at the old end.
 * - Enough real datapoints (>= evaluationPeriods N): the newest N real ones are evaluated and the
 *   missing-data treatment plays no part. ALARM when at least datapointsToAlarm M breach, else OK.
 * - No real datapoint: `missing` → INSUFFICIENT_DATA, `ignore` → the current state is kept,
 *   `breaching` → ALARM, `notBreaching` → OK.
 * - Some but fewer than N: the missing slots are filled per treatment: `notBreaching` (good),
 *   `breaching` (bad), `ignore` (state kept unless the outcome is the same whichever way the
 *   slots go), `missing` (slots may complete an alarm that real breaching datapoints started, but
 *   never raise one alone; this reproduces AWS's table, where `- - X - -` with M = N = 3 alarms
 *   and `0 - - - -` does not).
 */
import type { AlarmStateValue } from '../domain/types';

export type ComparisonOperator =
  | 'GreaterThanThreshold'
  | 'GreaterThanOrEqualToThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';

export type TreatMissingData = 'missing' | 'notBreaching' | 'breaching' | 'ignore';

/** Missing-data treatment when an alarm does not name one (AWS's default). */
export const DEFAULT_TREAT_MISSING_DATA: TreatMissingData = 'missing';

export interface AlarmDefinition {
  threshold: number;
  comparisonOperator: ComparisonOperator;
  /** N: how many periods are evaluated. */
  evaluationPeriods: number;
  /** M: how many of the N must breach for ALARM. Default: evaluationPeriods. */
  datapointsToAlarm?: number;
  /** Default: `missing`. */
  treatMissingData?: TreatMissingData;
  /** For `reasonData` only: the statistic (`Sum`, `p99`, ...). */
  statistic?: string;
  /** For `reasonData` only: the period, seconds. */
  period?: number;
}

export interface AlarmDatapoint {
  /** Start of the period, epoch ms (as CloudWatch timestamps datapoints). */
  timestamp: number;
  /** The period's statistic; null (or not finite) when the period has no data. */
  value: number | null;
}

/** The `reasonData` AWS attaches to a state change (serialise it with JSON.stringify for events). */
export interface AlarmReasonData {
  version: '1.0';
  queryDate: string;
  startDate?: string;
  statistic?: string;
  period?: number;
  recentDatapoints: number[];
  threshold: number;
  evaluatedDatapoints: Array<{ timestamp: string; value?: number }>;
}

export interface AlarmEvaluation {
  state: AlarmStateValue;
  /** True when `state` differs from the `currentState` passed in. */
  changed: boolean;
  /** Human reason in AWS's wording, e.g. "Threshold Crossed: 2 out of the last 2 datapoints [...] were greater than the threshold (30.0) ...". */
  reason: string;
  reasonData: AlarmReasonData;
  /** Breaching datapoints counted (real ones plus filled slots). */
  breaching: number;
}

const OPERATOR_TEXT: Record<ComparisonOperator, string> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

/** True when `value` is on the alarming side of the threshold. */
export function isBreaching(operator: ComparisonOperator, value: number, threshold: number): boolean {
  switch (operator) {
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

/**
 * Evaluates a metric alarm over its evaluation range (see the module comment for the rules).
 * Decided by: `threshold`, `comparisonOperator`, `evaluationPeriods`, `datapointsToAlarm`,
 * `treatMissingData`, the datapoints' values and, for `ignore`, `options.currentState`
 * (default INSUFFICIENT_DATA, the state of a new alarm). `options.now` (epoch ms) only stamps
 * `reasonData.queryDate`.
 */
export function evaluateAlarm(
  def: AlarmDefinition,
  datapoints: ReadonlyArray<AlarmDatapoint>,
  options: { currentState?: AlarmStateValue; now?: number } = {},
): AlarmEvaluation {
  const current = options.currentState ?? 'INSUFFICIENT_DATA';
  const n = Math.max(1, Math.floor(def.evaluationPeriods));
  const m = Math.min(n, Math.max(1, Math.floor(def.datapointsToAlarm ?? n)));
  const treatment = def.treatMissingData ?? DEFAULT_TREAT_MISSING_DATA;
  const real = datapoints.filter((d): d is { timestamp: number; value: number } => isReal(d.value));
  const rangeLength = Math.max(n, datapoints.length);

  const evaluated = real.length >= n ? real.slice(real.length - n) : real;
  const breachingReal = evaluated.filter((d) => isBreaching(def.comparisonOperator, d.value, def.threshold));
  const fill = Math.max(0, n - evaluated.length);

  let state: AlarmStateValue;
  let breaching = breachingReal.length;
  if (fill === 0) {
    state = breaching >= m ? 'ALARM' : 'OK';
  } else if (evaluated.length === 0) {
    if (treatment === 'missing') state = 'INSUFFICIENT_DATA';
    else if (treatment === 'ignore') state = current;
    else if (treatment === 'breaching') {
      breaching = fill;
      state = 'ALARM';
    } else state = 'OK';
  } else if (treatment === 'notBreaching') {
    state = breaching >= m ? 'ALARM' : 'OK';
  } else if (treatment === 'breaching' || (treatment === 'missing' && breaching > 0)) {
    breaching += fill;
    state = breaching >= m ? 'ALARM' : 'OK';
  } else if (treatment === 'missing') {
    state = 'OK';
  } else {
    const high = breaching + fill >= m;
    const low = breaching >= m;
    state = high === low ? (low ? 'ALARM' : 'OK') : current;
  }

  const reason = describe(def, state, current, {
    n,
    m,
    evaluated,
    breachingReal,
    fill,
    unknown: rangeLength - real.length,
    treatment,
  });
  const startDate = evaluated[0] ?? datapoints[0];
  const reasonData: AlarmReasonData = {
    version: '1.0',
    queryDate: awsIsoTime(options.now ?? lastTimestamp(datapoints)),
    ...(startDate ? { startDate: awsIsoTime(startDate.timestamp) } : {}),
    ...(def.statistic ? { statistic: def.statistic } : {}),
    ...(def.period ? { period: def.period } : {}),
    recentDatapoints: evaluated.map((d) => d.value),
    threshold: def.threshold,
    evaluatedDatapoints: [...evaluated]
      .reverse()
      .map((d) => ({ timestamp: awsIsoTime(d.timestamp), value: d.value })),
  };
  return { state, changed: state !== current, reason, reasonData, breaching };
}

function isReal(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function lastTimestamp(datapoints: ReadonlyArray<AlarmDatapoint>): number {
  return datapoints.length > 0 ? (datapoints[datapoints.length - 1]?.timestamp ?? 0) : 0;
}

interface ReasonFacts {
  n: number;
  m: number;
  evaluated: ReadonlyArray<{ timestamp: number; value: number }>;
  breachingReal: ReadonlyArray<{ timestamp: number; value: number }>;
  fill: number;
  unknown: number;
  treatment: TreatMissingData;
}

function describe(
  def: AlarmDefinition,
  state: AlarmStateValue,
  current: AlarmStateValue,
  facts: ReasonFacts,
): string {
  const operator = OPERATOR_TEXT[def.comparisonOperator];
  const threshold = javaDouble(def.threshold);
  const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;
  if (state === 'INSUFFICIENT_DATA') {
    return `Insufficient Data: ${plural(facts.unknown, 'datapoint')} ${facts.unknown === 1 ? 'was' : 'were'} unknown.`;
  }
  if (facts.treatment === 'ignore' && facts.fill > 0 && state === current) {
    return `Missing data ignored: ${plural(facts.fill, 'datapoint')} missing; state ${current} retained.`;
  }
  const fillNote =
    facts.fill > 0 ? ` (${plural(facts.fill, 'missing datapoint')} treated as ${fillTreatment(facts)})` : '';
  if (state === 'ALARM') {
    const count = facts.breachingReal.length;
    return (
      `Threshold Crossed: ${count} out of the last ${plural(facts.n, 'datapoint')} ` +
      `[${list(facts.breachingReal)}] ${count === 1 ? 'was' : 'were'} ${operator} the threshold (${threshold})` +
      `${fillNote} (minimum ${plural(facts.m, 'datapoint')} for ${current} -> ALARM transition).`
    );
  }
  const good = facts.evaluated.filter((d) => !facts.breachingReal.includes(d));
  return (
    `Threshold Crossed: ${good.length} out of the last ${plural(facts.n, 'datapoint')} ` +
    `[${list(good)}] ${good.length === 1 ? 'was' : 'were'} not ${operator} the threshold (${threshold})` +
    `${fillNote} (minimum ${plural(facts.n - facts.m + 1, 'datapoint')} for ${current} -> OK transition).`
  );
}

function fillTreatment(facts: ReasonFacts): string {
  if (facts.treatment === 'notBreaching') return 'not breaching';
  if (facts.treatment === 'breaching' || facts.breachingReal.length > 0) return 'breaching';
  return 'not breaching';
}

function list(points: ReadonlyArray<{ timestamp: number; value: number }>): string {
  return [...points]
    .reverse()
    .map((d) => `${javaDouble(d.value)} (${awsShortTime(d.timestamp)})`)
    .join(', ');
}

/** Numbers as AWS prints them in reasons (Java's Double.toString for everyday magnitudes): 30 → "30.0". */
function javaDouble(value: number): string {
  return Number.isInteger(value) && Math.abs(value) < 1e7 ? value.toFixed(1) : String(value);
}

const pad = (value: number): string => String(value).padStart(2, '0');

/** `dd/MM/yy HH:mm:ss` in UTC, as in AWS alarm reasons. */
function awsShortTime(epochMs: number): string {
  const d = new Date(epochMs);
  return (
    `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCFullYear() % 100)} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/** `2026-01-01T00:01:00.000+0000`, the timestamp form of AWS's reasonData. */
function awsIsoTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '+0000');
}
