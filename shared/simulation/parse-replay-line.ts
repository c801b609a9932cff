/**
 * Parses one `replay` input line (the fields of `ReplayInputLine` in to-replay-line.ts: `time`,
 * `variants` by name with their aggregates, optional `alarms` states) into what the engine
 * takes. Hand-written rather than a schema because `replay` and the benchmarks push hundreds of
 * thousands of lines through it; the checks are the same a schema would make, and each failure
 * names the field.
 *
 * Also accepted (all optional): `time` as epoch milliseconds, or ISO without a zone (read as
 * UTC); a variant given as `null` (no traffic); missing `errors5xx`/`errors4xx` (0) and
 * latencies (null); `custom` (custom metric values by policy metric name); `command` (an
 * operator command, see `OperatorCommand`), which is applied instead of judging the line.
 */
import type {
  AlarmStateValue,
  OperatorCommand,
  PeriodObservation,
  VariantPeriodMetrics,
} from '../domain/types';
import { isJsonObject } from '../domain/is-json-object';

export interface ParsedReplayLine {
  /** `time` exactly as given (echoed in the answer). */
  timeText: string;
  /** `time` in epoch ms. */
  time: number;
  observation: PeriodObservation;
  alarms?: Record<string, AlarmStateValue>;
  command?: OperatorCommand;
}

/** On failure, `timeText` is the line's `time` when that much was readable (answers echo it). */
export type ParseReplayLineResult =
  { ok: true; line: ParsedReplayLine } | { ok: false; error: string; timeText?: string };

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/;
const ALARM_STATES = new Set(['OK', 'ALARM', 'INSUFFICIENT_DATA']);
const COMMANDS = new Set(['pause', 'resume', 'promote', 'abort', 'rollback']);
const COUNT_FIELDS = ['invocations', 'errors5xx', 'errors4xx'] as const;
const LATENCY_FIELDS = ['latencyAvgMs', 'latencyP50Ms', 'latencyP90Ms', 'latencyP99Ms'] as const;

class LineError extends Error {
  timeText?: string;
}

/** Parses `text` (one line, without its newline). Never throws. */
export function parseReplayLine(text: string): ParseReplayLineResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `not JSON: ${(error as Error).message}` };
  }
  try {
    return { ok: true, line: toLine(raw) };
  } catch (error) {
    if (error instanceof LineError) {
      return error.timeText === undefined
        ? { ok: false, error: error.message }
        : { ok: false, error: error.message, timeText: error.timeText };
    }
    throw error;
  }
}

function toLine(raw: unknown): ParsedReplayLine {
  if (!isJsonObject(raw)) throw new LineError('line must be a JSON object');
  const { timeText, time } = parseTime(raw.time);
  try {
    return toLineAt(raw, timeText, time);
  } catch (error) {
    if (error instanceof LineError) error.timeText = timeText;
    throw error;
  }
}

function toLineAt(raw: Record<string, unknown>, timeText: string, time: number): ParsedReplayLine {
  const variants: Record<string, VariantPeriodMetrics> = {};
  if (raw.variants !== undefined && raw.variants !== null) {
    if (!isJsonObject(raw.variants)) throw new LineError('variants: must be an object');
    for (const [name, value] of Object.entries(raw.variants)) {
      if (value === null || value === undefined) continue;
      variants[name] = parseVariant(name, value);
    }
  }
  const observation: PeriodObservation = { time, variants };
  if (raw.custom !== undefined && raw.custom !== null) {
    if (!isJsonObject(raw.custom)) throw new LineError('custom: must be an object');
    const custom: Record<string, number | null> = {};
    for (const [name, value] of Object.entries(raw.custom)) {
      if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) {
        throw new LineError(`custom.${name}: must be a number or null`);
      }
      custom[name] = value;
    }
    observation.custom = custom;
  }
  const line: ParsedReplayLine = { timeText, time, observation };
  if (raw.alarms !== undefined && raw.alarms !== null) {
    if (!isJsonObject(raw.alarms)) throw new LineError('alarms: must be an object');
    const alarms: Record<string, AlarmStateValue> = {};
    for (const [name, value] of Object.entries(raw.alarms)) {
      if (typeof value !== 'string' || !ALARM_STATES.has(value)) {
        throw new LineError(`alarms.${name}: must be OK, ALARM or INSUFFICIENT_DATA`);
      }
      alarms[name] = value as AlarmStateValue;
    }
    line.alarms = alarms;
  }
  if (raw.command !== undefined && raw.command !== null) line.command = parseCommand(raw.command);
  return line;
}

function parseTime(value: unknown): { timeText: string; time: number } {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    return { timeText: new Date(value).toISOString(), time: value };
  }
  if (typeof value !== 'string') throw new LineError('time: required, an ISO 8601 time');
  // A time without a zone is read as UTC (CloudWatch's clock), never as the machine's local time.
  const time = ISO_DATE.test(value) ? Date.parse(HAS_ZONE.test(value) ? value : `${value}Z`) : Number.NaN;
  if (!Number.isFinite(time)) throw new LineError(`time: not an ISO 8601 time: ${JSON.stringify(value)}`);
  return { timeText: value, time };
}

function parseVariant(name: string, value: unknown): VariantPeriodMetrics {
  if (!isJsonObject(value)) throw new LineError(`variants.${name}: must be an object`);
  const counts = [0, 0, 0];
  COUNT_FIELDS.forEach((field, i) => {
    const count = value[field];
    if (count === undefined && field !== 'invocations') return;
    if (typeof count !== 'number' || !Number.isFinite(count) || count < 0) {
      throw new LineError(`variants.${name}.${field}: must be a number >= 0`);
    }
    counts[i] = count;
  });
  const latencies: Array<number | null> = [null, null, null, null];
  LATENCY_FIELDS.forEach((field, i) => {
    const latency = value[field];
    if (latency === undefined || latency === null) return;
    if (typeof latency !== 'number' || !Number.isFinite(latency) || latency < 0) {
      throw new LineError(`variants.${name}.${field}: must be a number >= 0 or null`);
    }
    latencies[i] = latency;
  });
  return {
    invocations: counts[0] ?? 0,
    errors5xx: counts[1] ?? 0,
    errors4xx: counts[2] ?? 0,
    latencyAvgMs: latencies[0] ?? null,
    latencyP50Ms: latencies[1] ?? null,
    latencyP90Ms: latencies[2] ?? null,
    latencyP99Ms: latencies[3] ?? null,
  };
}

function parseCommand(value: unknown): OperatorCommand {
  if (!isJsonObject(value) || typeof value.type !== 'string' || !COMMANDS.has(value.type)) {
    throw new LineError('command.type: must be pause, resume, promote, abort or rollback');
  }
  if (value.reason !== undefined && typeof value.reason !== 'string') {
    throw new LineError('command.reason: must be a string');
  }
  if (value.type === 'rollback') {
    if (typeof value.reason !== 'string' || value.reason.trim() === '') {
      throw new LineError('command.reason: required for rollback');
    }
    return { type: 'rollback', reason: value.reason };
  }
  const type = value.type as Exclude<OperatorCommand['type'], 'rollback'>;
  return typeof value.reason === 'string' ? { type, reason: value.reason } : { type };
}
