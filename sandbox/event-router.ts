/**
 * The sandbox's EventBridge: reads the `schedule` and `eventBridge` events of the functions in
 * `serverless.yml` (its `functions/*.yml` includes), then, on simulated time, delivers
 * - scheduled events at every due period close (`rate(...)` or `cron(...)`), with `time` set to
 *   the simulated time, and
 * - bus events (CloudWatch alarm state changes, ...) that match a function's pattern,
 * to the functions through a `LambdaInvoker` (serverless-offline's Lambda API, or in-process).
 *
 * serverless-offline would also fire `schedule` events on the wall clock. The stage the sandbox
 * runs must disable them (`enabled: false` on each schedule, e.g. through a stage param); the
 * router ignores `enabled` when it is a variable, because locally it owns time.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ClosedPeriod, SandboxClock } from './clock';
import { type BusEvent, type EventBus, eventTime } from './event-bus';
import { LambdaInvokeError, type LambdaInvoker, LambdaUnreachableError } from './lambda-invoker';
import { SANDBOX_ACCOUNT_ID } from './service';

/** Stage the sandbox runs the functions under (their names are `<service>-<stage>-<key>`). */
export const DEFAULT_ROUTER_STAGE = 'local';
/** Region whose EventBridge the router stands for (rules only see events of their own region). */
export const DEFAULT_ROUTER_REGION = 'us-east-1';

/** A configuration the router cannot use (bad YAML, unknown schedule syntax). */
export class EventRouterConfigError extends Error {
  override readonly name = 'EventRouterConfigError';
}

/** An EventBridge event pattern (the `pattern` of an `eventBridge` event). */
export type EventPattern = Record<string, unknown>;

export interface ScheduleSpec {
  /** The expression as written: `rate(1 minute)` or `cron(0/5 * * * ? *)`. */
  expression: string;
  /** Rule name used in the event's `resources`. */
  ruleName: string;
  /** Constant input to deliver instead of the scheduled event, when the yml gives one. */
  input?: unknown;
  /** True when the minute starting at `epochMs` (a whole minute) is a firing time. */
  isDue(epochMs: number): boolean;
}

export interface RoutedFunction {
  /** Function key in the yml (`canaryTick`). */
  key: string;
  /** Deployed name (`rollout-watchdog-local-canaryTick`). */
  functionName: string;
  schedules: ScheduleSpec[];
  patterns: EventPattern[];
}

export type DeliveryVerdict = 'deliver' | 'drop' | 'duplicate';

export interface DeliveryRecord {
  functionName: string;
  kind: 'schedule' | 'event';
  eventId: string;
  detailType: string;
  /** The event's `time` (simulated). */
  time: string;
  verdict: DeliveryVerdict;
  /** Invocations made (0 when dropped, 2 when duplicated). */
  invocations: number;
  /** Set when an invocation failed (function missing, serverless-offline unreachable). */
  error?: string;
}

export interface EventRouterOptions {
  /** Functions to route; default: read from `projectDir`'s serverless.yml for `stage`. */
  functions?: RoutedFunction[];
  /** Folder holding serverless.yml. Default: the current directory. */
  projectDir?: string;
  stage?: string;
  region?: string;
  accountId?: string;
  clock: Pick<SandboxClock, 'onPeriodClosed'>;
  bus: Pick<EventBus, 'subscribe'>;
  invoker: LambdaInvoker;
  /** Drop/duplicate delivery faults (the sandbox's `Faults`); consulted once per delivery. */
  faults?: { nextDelivery(channel: 'events'): DeliveryVerdict };
  /**
   * Invoke with `RequestResponse` and wait for the function (default false: `Event`, as
   * EventBridge does). Synchronous delivery makes manual-clock tests deterministic.
   */
  synchronous?: boolean;
  /**
   * Reports a failed invocation. Default: functions that cannot be reached (nothing listens at the
   * Lambda endpoint) are reported once, in one line naming the endpoint and `unreachableHint`, and
   * once more when they answer again; other invoke failures get one line each; anything else is
   * printed with its stack.
   */
  onError?: (error: unknown, record: DeliveryRecord) => void;
  /** Where the default reporting writes. Default: `console.error`. */
  log?: (line: string) => void;
  /** Default reporting: what to do when no functions answer (how to start them, or how to stop routing). */
  unreachableHint?: string;
}

export interface EventRouter {
  readonly functions: readonly RoutedFunction[];
  /** Every delivery so far, oldest first. */
  deliveries(): readonly DeliveryRecord[];
  /** Delivers the scheduled events due at `at` (a period end, epoch ms); the clock calls this each period close. */
  deliverScheduled(at: number): Promise<void>;
  /** Routes one bus event to the functions whose pattern matches it; the bus calls this for each event. */
  route(event: BusEvent): Promise<void>;
  /** Stops listening to the clock and the bus. */
  dispose(): void;
}

// ---------------------------------------------------------------------------------------------
// Reading serverless.yml
// ---------------------------------------------------------------------------------------------

const FILE_VARIABLE = /^\$\{file\(([^)]+)\)(?::[^}]*)?\}$/;

function readYaml(path: string): unknown {
  try {
    return parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new EventRouterConfigError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads the functions of `projectDir/serverless.yml` for `stage`: `service`, then `functions`
 * (a map, or a list of maps and `${file(...)}` includes). Only `name`, `schedule`,
 * `eventBridge` and `cloudwatchEvent` are read; other variables stay unresolved.
 */
export function readServerlessFunctions(
  projectDir: string,
  stage: string = DEFAULT_ROUTER_STAGE,
): RoutedFunction[] {
  const root = readYaml(join(projectDir, 'serverless.yml'));
  if (!isRecord(root)) throw new EventRouterConfigError('serverless.yml is not a map');
  const service = typeof root.service === 'string' ? root.service : (root.service as { name?: string })?.name;
  if (typeof service !== 'string') throw new EventRouterConfigError('serverless.yml names no service');

  const include = (value: unknown): Record<string, unknown> => {
    if (typeof value === 'string') {
      const match = FILE_VARIABLE.exec(value.trim());
      if (!match?.[1]) throw new EventRouterConfigError(`unsupported functions entry: ${value}`);
      const included = readYaml(join(projectDir, match[1].trim().replace(/^['"]|['"]$/g, '')));
      if (!isRecord(included)) throw new EventRouterConfigError(`${match[1]} is not a map of functions`);
      return included;
    }
    if (isRecord(value)) return value;
    return {};
  };
  const entries = Array.isArray(root.functions) ? root.functions.map(include) : [include(root.functions)];
  const functions: RoutedFunction[] = [];
  for (const map of entries) {
    for (const [key, definition] of Object.entries(map)) {
      if (!isRecord(definition)) continue;
      functions.push(routedFunction(service, stage, key, definition));
    }
  }
  return functions;
}

function routedFunction(
  service: string,
  stage: string,
  key: string,
  definition: Record<string, unknown>,
): RoutedFunction {
  const name =
    typeof definition.name === 'string' && !definition.name.includes('${')
      ? definition.name
      : `${service}-${stage}-${key}`;
  const schedules: ScheduleSpec[] = [];
  const patterns: EventPattern[] = [];
  const events = Array.isArray(definition.events) ? definition.events : [];
  const ruleBase = `${key.charAt(0).toUpperCase()}${key.slice(1)}EventsRuleSchedule`;
  for (const event of events) {
    if (!isRecord(event)) continue;
    if (event.schedule !== undefined) {
      const spec = event.schedule;
      const raw = isRecord(spec) ? spec : { rate: spec };
      // Literal `enabled: false` means "never"; a variable (`${param:...}`) is the stage's way of
      // keeping serverless-offline quiet, and the router owns time locally.
      if (raw.enabled === false) continue;
      const rates = Array.isArray(raw.rate) ? raw.rate : [raw.rate];
      for (const rate of rates) {
        if (typeof rate !== 'string') throw new EventRouterConfigError(`${key}: schedule without a rate`);
        // A named rule keeps its name (the tick checks that its events name its own rule's ARN);
        // an unnamed one gets a name of the shape serverless gives its logical id.
        const ruleName =
          typeof raw.name === 'string'
            ? resolveNameVariables(raw.name, service, stage)
            : `${service}-${stage}-${ruleBase}${schedules.length + 1}`;
        schedules.push({
          ...parseScheduleExpression(rate),
          ruleName,
          ...(raw.input === undefined ? {} : { input: parseInput(raw.input) }),
        });
      }
    }
    if (isRecord(event.eventBridge) && isRecord(event.eventBridge.pattern))
      patterns.push(event.eventBridge.pattern);
    if (isRecord(event.cloudwatchEvent) && isRecord(event.cloudwatchEvent.event)) {
      patterns.push(event.cloudwatchEvent.event);
    }
  }
  return { key, functionName: name, schedules, patterns };
}

/**
 * A schedule's `name` with the variables a rule name uses (`${self:service}`, `${sls:stage}`)
 * resolved as serverless resolves them; any other variable is an error, since the event's rule
 * ARN would not match the deployed one.
 */
export function resolveNameVariables(name: string, service: string, stage: string): string {
  const resolved = name.replace(/\$\{self:service\}/g, service).replace(/\$\{sls:stage\}/g, stage);
  if (resolved.includes('${'))
    throw new EventRouterConfigError(
      `unsupported variable in schedule name: ${name} (use \${self:service} and \${sls:stage})`,
    );
  return resolved;
}

function parseInput(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

// ---------------------------------------------------------------------------------------------
// Schedule expressions
// ---------------------------------------------------------------------------------------------

const MINUTE_MS = 60_000;
const RATE_UNITS: Readonly<Record<string, number>> = {
  minute: 1,
  minutes: 1,
  hour: 60,
  hours: 60,
  day: 1440,
  days: 1440,
};

/**
 * Parses `rate(N unit)` or `cron(min hour day-of-month month day-of-week year)` (UTC, AWS's six
 * fields) into a due-time test. Rates fire on whole multiples of their length since the epoch,
 * as serverless-offline aligns them.
 */
export function parseScheduleExpression(expression: string): Pick<ScheduleSpec, 'expression' | 'isDue'> {
  const trimmed = expression.trim();
  const rate = /^rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)$/.exec(trimmed);
  if (rate) {
    const count = Number(rate[1]);
    const unit = rate[2] as string;
    if (count < 1 || (count === 1) !== !unit.endsWith('s')) {
      throw new EventRouterConfigError(
        `invalid rate expression: ${expression} (use "1 minute", "5 minutes")`,
      );
    }
    const everyMinutes = count * (RATE_UNITS[unit] ?? 1);
    return { expression: trimmed, isDue: (t) => Math.floor(t / MINUTE_MS) % everyMinutes === 0 };
  }
  const cron = /^cron\((.+)\)$/.exec(trimmed);
  if (cron?.[1]) return { expression: trimmed, isDue: cronMatcher(cron[1], expression) };
  throw new EventRouterConfigError(`unsupported schedule expression: ${expression}`);
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function cronMatcher(body: string, expression: string): (t: number) => boolean {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) throw new EventRouterConfigError(`cron needs six fields: ${expression}`);
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) {
    throw new EventRouterConfigError(
      `cron: exactly one of day-of-month and day-of-week must be "?": ${expression}`,
    );
  }
  const minutes = cronField(min, 0, 59, [], expression);
  const hours = cronField(hour, 0, 23, [], expression);
  const days = dom === '?' ? null : cronField(dom, 1, 31, [], expression);
  const months = cronField(month, 1, 12, MONTHS, expression);
  const weekdays = dow === '?' ? null : cronField(dow, 1, 7, DAYS, expression);
  const years = cronField(year, 1970, 2199, [], expression);
  return (t) => {
    const d = new Date(t);
    return (
      minutes.has(d.getUTCMinutes()) &&
      hours.has(d.getUTCHours()) &&
      (days === null || days.has(d.getUTCDate())) &&
      months.has(d.getUTCMonth() + 1) &&
      (weekdays === null || weekdays.has(d.getUTCDay() + 1)) &&
      years.has(d.getUTCFullYear())
    );
  };
}

function cronField(field: string, lo: number, hi: number, names: string[], expression: string): Set<number> {
  const values = new Set<number>();
  const value = (token: string): number => {
    const named = names.indexOf(token.toUpperCase());
    const n = named >= 0 ? named + lo : Number(token);
    if (!Number.isInteger(n) || n < lo || n > hi) {
      throw new EventRouterConfigError(`cron: "${token}" is out of range ${lo}-${hi} in ${expression}`);
    }
    return n;
  };
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new EventRouterConfigError(`cron: bad step in ${expression}`);
    let from: number;
    let to: number;
    if (range === '*' || range === '?') {
      from = lo;
      to = hi;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      from = value(a);
      to = value(b);
    } else {
      from = value(range);
      to = stepText === undefined ? from : hi;
    }
    for (let n = from; n <= to; n += step) values.add(n);
  }
  return values;
}

// ---------------------------------------------------------------------------------------------
// Event patterns (the subset of EventBridge matching serverless rules use)
// ---------------------------------------------------------------------------------------------

/**
 * True when `event` matches `pattern` as EventBridge matches: every key of the pattern must
 * match; a list matches when the event's value (or any element of an event list) equals one of
 * its entries or satisfies one of its filters (`prefix`, `suffix`, `anything-but`, `exists`,
 * `equals-ignore-case`); a nested object matches the nested field.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (!isRecord(event)) return false;
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = event[key];
    if (isRecord(expected)) return matchesPattern(expected, actual);
    const alternatives = Array.isArray(expected) ? expected : [expected];
    return alternatives.some((alternative) => matchesValue(alternative, actual));
  });
}

/**
 * `pattern` with CloudFormation pseudo parameters (`{ Ref: 'AWS::AccountId' }`, which a rule in
 * functions/*.yml uses to take its own account's events only) replaced by their `values`. Other
 * values, filters included, are left as they are.
 */
export function resolvePseudoParameters(pattern: EventPattern, values: Record<string, string>): EventPattern {
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && typeof value.Ref === 'string' && value.Ref in values) return values[value.Ref];
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  };
  return resolve(pattern) as EventPattern;
}

function matchesValue(alternative: unknown, actual: unknown): boolean {
  if (isRecord(alternative)) {
    if ('exists' in alternative) return (actual !== undefined) === Boolean(alternative.exists);
    if (actual === undefined) return false;
    const values = Array.isArray(actual) ? actual : [actual];
    return values.some((v) => matchesFilter(alternative, v));
  }
  if (actual === undefined) return false;
  const values = Array.isArray(actual) ? actual : [actual];
  return values.some((v) => v === alternative);
}

function matchesFilter(filter: Record<string, unknown>, value: unknown): boolean {
  if (typeof filter.prefix === 'string') return typeof value === 'string' && value.startsWith(filter.prefix);
  if (typeof filter.suffix === 'string') return typeof value === 'string' && value.endsWith(filter.suffix);
  if (typeof filter['equals-ignore-case'] === 'string') {
    return (
      typeof value === 'string' &&
      value.toLowerCase() === (filter['equals-ignore-case'] as string).toLowerCase()
    );
  }
  if ('anything-but' in filter) {
    const excluded = filter['anything-but'];
    if (isRecord(excluded) && typeof excluded.prefix === 'string') {
      return !(typeof value === 'string' && value.startsWith(excluded.prefix));
    }
    return !(Array.isArray(excluded) ? excluded : [excluded]).includes(value);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// The router
// ---------------------------------------------------------------------------------------------

/** Default hint when no functions answer: how to start them, or how to stop routing to them. */
export const DEFAULT_UNREACHABLE_HINT =
  'start them (`npx serverless offline start --stage local`, or `npm run dev` for the whole local stage), or run the sandbox with --without-events';

/**
 * The default failure reporting: an unreachable Lambda endpoint is said once (and once more when
 * it answers again), not at every tick; other invoke failures in one line; the unexpected in full.
 */
function quietReporter(
  log: (line: string) => void,
  hint: string = DEFAULT_UNREACHABLE_HINT,
): { failed(error: unknown, record: DeliveryRecord): void; delivered(): void } {
  let unreachable: string | undefined;
  return {
    failed(error, record) {
      if (error instanceof LambdaUnreachableError) {
        if (unreachable !== undefined) return;
        unreachable = error.endpoint;
        log(
          `sandbox event router: no functions answer at ${error.endpoint}${error.code ? ` (${error.code})` : ''}; scheduled ticks and alarm events are dropped until they do (retrying quietly). To deliver them, ${hint}.`,
        );
      } else if (error instanceof LambdaInvokeError) {
        log(`sandbox event router: delivery to ${record.functionName} failed: ${error.message}`);
      } else {
        console.error(`sandbox event router: delivery to ${record.functionName} failed`, error);
      }
    },
    delivered() {
      if (unreachable === undefined) return;
      log(
        `sandbox event router: the functions at ${unreachable} answer now; delivering scheduled ticks and alarm events.`,
      );
      unreachable = undefined;
    },
  };
}

/**
 * Creates the router. `functions` (or `projectDir` + `stage`) say what to deliver, `clock`
 * when, `bus` which events, `invoker` how, and `faults` whether a delivery is dropped or
 * duplicated. Scheduled events go out in the clock's `deliver` phase, after traffic and alarms.
 */
export function createEventRouter(opts: EventRouterOptions): EventRouter {
  const stage = opts.stage ?? DEFAULT_ROUTER_STAGE;
  const region = opts.region ?? DEFAULT_ROUTER_REGION;
  const account = opts.accountId ?? SANDBOX_ACCOUNT_ID;
  const functions = opts.functions ?? readServerlessFunctions(opts.projectDir ?? process.cwd(), stage);
  // A pattern names the stack's own account (or region) as CloudFormation does; this bus is theirs.
  const pseudo = { 'AWS::AccountId': account, 'AWS::Region': region };
  const records: DeliveryRecord[] = [];
  const reporter = opts.onError
    ? { failed: opts.onError, delivered: () => {} }
    : quietReporter(opts.log ?? ((line) => console.error(line)), opts.unreachableHint);

  async function deliver(
    fn: RoutedFunction,
    kind: DeliveryRecord['kind'],
    event: unknown,
    meta: { id: string; detailType: string; time: string },
  ): Promise<void> {
    const verdict = opts.faults?.nextDelivery('events') ?? 'deliver';
    const record: DeliveryRecord = {
      functionName: fn.functionName,
      kind,
      eventId: meta.id,
      detailType: meta.detailType,
      time: meta.time,
      verdict,
      invocations: 0,
    };
    records.push(record);
    const times = verdict === 'drop' ? 0 : verdict === 'duplicate' ? 2 : 1;
    for (let i = 0; i < times; i++) {
      try {
        await opts.invoker.invoke(fn.functionName, event, { async: !opts.synchronous });
        record.invocations += 1;
        reporter.delivered();
      } catch (error) {
        record.error = error instanceof Error ? error.message : String(error);
        reporter.failed(error, record);
      }
    }
  }

  async function deliverScheduled(at: number): Promise<void> {
    const minute = Math.floor(at / MINUTE_MS) * MINUTE_MS;
    const due: Promise<void>[] = [];
    for (const fn of functions) {
      for (const schedule of fn.schedules) {
        if (!schedule.isDue(minute)) continue;
        const id = randomUUID();
        const time = eventTime(at);
        const event =
          schedule.input ??
          ({
            version: '0',
            id,
            'detail-type': 'Scheduled Event',
            source: 'aws.events',
            account,
            time,
            region,
            resources: [`arn:aws:events:${region}:${account}:rule/${schedule.ruleName}`],
            detail: {},
          } satisfies BusEvent);
        due.push(deliver(fn, 'schedule', event, { id, detailType: 'Scheduled Event', time }));
      }
    }
    await Promise.all(due);
  }

  async function route(event: BusEvent): Promise<void> {
    // A rule sees only its own region's events, as on AWS.
    if (event.region !== region) return;
    const matching = functions.filter((fn) =>
      fn.patterns.some((pattern) => matchesPattern(resolvePseudoParameters(pattern, pseudo), event)),
    );
    await Promise.all(
      matching.map((fn) =>
        deliver(fn, 'event', event, { id: event.id, detailType: event['detail-type'], time: event.time }),
      ),
    );
  }

  const stopClock = opts.clock.onPeriodClosed(
    (period: ClosedPeriod) => deliverScheduled(period.end),
    'deliver',
  );
  const stopBus = opts.bus.subscribe(route);

  return {
    functions,
    deliveries: () => records,
    deliverScheduled,
    route,
    dispose() {
      stopClock();
      stopBus();
    },
  };
}
