import { expect } from 'vitest';
import {
  countingDeps,
  createCanaryAlarm,
  createEndpoint,
  type Harness,
  lambdaContext,
  MINUTE,
  REGION,
  standardPolicyText,
  startHarness,
  startRolloutOn,
  storePolicy,
} from '../handlers/tick/watchdog-harness';

/**
 * The hostile-input suites' set-up: the real handlers in-process against the sandbox (real SDK
 * clients), with one rollout under way on `ENDPOINT`, whose alarm `ALARM` a policy names. A case
 * is hostile input that must change nothing: each is run through `expectHarmless`, which compares
 * the rollout table and the endpoint's weights before and after and bounds the case's time and
 * heap growth.
 */

/** The endpoint whose rollout every case tries to move. */
export const ENDPOINT = 'hostile-ep';
/** The alarm its policy names (a forged event naming it must not roll anything back). */
export const ALARM = `${ENDPOINT}-canary-5xx`;
/** The sandbox's account: the functions' own. */
export const OWN_ACCOUNT = '000000000000';
/** Another account, for foreign events. */
export const FOREIGN_ACCOUNT = '111122223333';

/**
 * Most time one hostile case may take, generous for a loaded 2-core machine: the failures this
 * guards against took 94 s. Milliseconds.
 */
export const CASE_TIME_LIMIT_MS = 5_000;

/**
 * Most heap one hostile case may leave grown, measured without forcing a collection (garbage
 * counts): generous, since the failures this guards against took 600 MB to 4 GB. MB.
 */
export const CASE_HEAP_LIMIT_MB = 128;

export type Invoke = (event: unknown) => Promise<unknown>;

export interface HostileStack {
  h: Harness;
  tick: Invoke;
  alarm: Invoke;
  api: Invoke;
  /** The rollout table's items for every active rollout and the endpoint's weights, as comparable text. */
  state(): Promise<string>;
}

/** Starts the harness as `suite`, imports the three handlers and starts a rollout on `ENDPOINT`. */
export async function startHostileStack(suite: string): Promise<HostileStack> {
  const h = await startHarness(suite);
  h.applyEnv({ CONTROL_API_CLOCK_HEADER: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT' });
  const load = async (path: string, name: string): Promise<Invoke> => {
    const module = (await import(path)) as {
      handler: (event: unknown, context: unknown) => Promise<unknown>;
    };
    return (event) => module.handler(event, lambdaContext(name));
  };
  const tick = await load('../../../handlers/canary-tick', 'canaryTick');
  const alarm = await load('../../../handlers/alarm-rollback', 'alarmRollback');
  const api = await load('../../../handlers/control-api', 'controlApi');

  await createEndpoint(h, ENDPOINT);
  await createCanaryAlarm(h, ENDPOINT, ALARM);
  const text = standardPolicyText(ENDPOINT, ALARM);
  await storePolicy(h, ENDPOINT, text);
  await startRolloutOn(h, countingDeps(h).deps, ENDPOINT, text);
  await h.clock.advance(MINUTE);

  const state = async () => {
    const active = await h.store.listActive();
    const records = await Promise.all(active.map((r) => h.store.get(r.endpointName)));
    return JSON.stringify({
      records: records.map((r) => r && { endpoint: r.endpointName, version: r.version, state: r.state }),
      weights: h.sandbox.sagemaker.getEndpointWeights(REGION, ENDPOINT),
    });
  };
  return { h, tick, alarm, api, state };
}

export interface CaseMeasure {
  ms: number;
  heapMb: number;
}

/**
 * Runs one hostile case and asserts it was harmless: `check` holds for its result, the state is
 * what it was, and the case stayed under CASE_TIME_LIMIT_MS and CASE_HEAP_LIMIT_MB.
 */
export async function expectHarmless<T>(
  stack: HostileStack,
  run: () => Promise<T>,
  check: (result: T) => void,
): Promise<CaseMeasure> {
  const before = await stack.state();
  // With --expose-gc (and a young generation large enough that nothing is collected during the
  // case, --max-semi-space-size=256), the growth below is everything the case allocated.
  (globalThis as { gc?: () => void }).gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const result = await run();
  const measure = {
    ms: performance.now() - started,
    heapMb: (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20,
  };
  check(result);
  expect(await stack.state()).toBe(before);
  expect(measure.ms).toBeLessThan(CASE_TIME_LIMIT_MS);
  expect(measure.heapMb).toBeLessThan(CASE_HEAP_LIMIT_MB);
  return measure;
}
