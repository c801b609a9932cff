import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RolloutRecord } from '../../../../shared/ports/rollout-repository';
import { scenarioFiles, usesStandardPolicy } from '../../../../shared/simulation/scenario-catalogue';
import { loadScenarioFile } from '../../../../shared/simulation/scenario-schema';
import {
  countingDeps,
  createEndpoint,
  createScenarioAlarms,
  type Harness,
  lambdaContext,
  loadScenario,
  MINUTE,
  playTraffic,
  scheduledEvent,
  startHarness,
  startRolloutOn,
  storePolicy,
} from './watchdog-harness';

/** Played in detail (notifications, timing) by scenario-end-to-end.test.ts. */
const COVERED_ELSEWHERE = new Set(['healthy-steady.json', 'canary-5xx-spike.json']);

/** The harness stores the standard policy, so it plays the catalogue's scenarios judged under it. */
const SCENARIOS = scenarioFiles()
  .filter((f) => !COVERED_ELSEWHERE.has(basename(f)) && usesStandardPolicy(loadScenarioFile(f)))
  .map((f) => basename(f, '.json'));

/** Every standard-policy scenario of the catalogue through the real tick and alarm handlers, on sandbox traffic. */
describe('every standard-policy scenario through the handlers', () => {
  let h: Harness;
  let tick: (event: unknown, context: unknown) => Promise<unknown>;
  let alarm: (event: unknown, context: unknown) => Promise<unknown>;

  beforeAll(async () => {
    h = await startHarness('tick-all');
    h.applyEnv();
    tick = (await import('../../../../handlers/canary-tick')).handler as never;
    alarm = (await import('../../../../handlers/alarm-rollback')).handler as never;
    h.sandbox.bus.subscribe(async (event) => {
      await alarm(event, lambdaContext('alarmRollback'));
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each(SCENARIOS)('%s reaches its expected outcome', async (name) => {
    const scenario = loadScenario(name);
    const endpointName = `all-${name}`.slice(0, 60);
    await createEndpoint(h, endpointName);
    const policyText = await createScenarioAlarms(h, scenario, endpointName);
    await storePolicy(h, endpointName, policyText);
    await startRolloutOn(h, countingDeps(h).deps, endpointName, policyText);
    const traffic = playTraffic(h, scenario, endpointName);
    let record: RolloutRecord | undefined;
    try {
      for (let minute = 0; minute < scenario.durationMinutes; minute++) {
        await h.clock.advance(MINUTE);
        await tick(scheduledEvent(h), lambdaContext('canaryTick'));
        record = await h.store.get(endpointName);
        if (
          record &&
          record.state.phase !== 'Progressing' &&
          record.state.canaryWeight === record.appliedCanaryWeight
        )
          break;
      }
    } finally {
      traffic.stop();
    }
    expect(record?.state.phase).toBe(scenario.expect?.outcome);
  });
});
