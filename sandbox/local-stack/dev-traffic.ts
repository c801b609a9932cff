/**
 * Traffic of the local stage (`npm run dev`): which scenario each endpoint plays, switched while
 * the stage runs, and faults on the canary (a 5XX rate, a latency) laid over the scenario from the
 * current minute on. Scenarios are found by name in the project's scenario folders.
 */
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { loadPolicyFileSync } from '../../shared/events/policy-text';
import type { CustomMetric } from '../../shared/domain/types';
import { formatMs } from '../../shared/wording/format-values';
import {
  loadScenarioFile,
  type ResolvedVariantSegment,
  type Scenario,
  type VariantProfile,
} from '../../shared/simulation/scenario-schema';
import type { PlayScenarioOptions } from '../create-sandbox';
import type { TrafficHandle, TrafficMinuteRecord } from '../traffic';

/** Folders searched for a scenario given by name, relative to the project, first match wins. */
export const SCENARIO_FOLDERS = ['scenarios', 'tests/fixtures/scenarios', '../shared/scenarios'] as const;

/** A scenario name or file the stage cannot play. */
export class ScenarioLookupError extends Error {
  override readonly name = 'ScenarioLookupError';
}

/** The scenario folders of `projectDir` that exist, absolute. */
export function scenarioFolders(projectDir: string): string[] {
  return SCENARIO_FOLDERS.map((folder) => resolve(projectDir, folder)).filter((dir) => existsSync(dir));
}

/** Scenario names (file names without `.json`) found in the project's scenario folders, sorted. */
export function scenarioNames(projectDir: string): string[] {
  const names = new Set<string>();
  for (const dir of scenarioFolders(projectDir)) {
    for (const file of readdirSync(dir)) if (file.endsWith('.json')) names.add(file.slice(0, -5));
  }
  return [...names].sort();
}

/**
 * Loads a scenario given as a file path (absolute, or relative to `cwd`) or as a name
 * (`canary-5xx-spike`, `.json` optional) looked up in the project's scenario folders.
 */
export function findScenario(projectDir: string, nameOrPath: string, cwd: string = process.cwd()): Scenario {
  const asPath = isAbsolute(nameOrPath) ? nameOrPath : resolve(cwd, nameOrPath);
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.includes('\\');
  if (looksLikePath || (nameOrPath.endsWith('.json') && existsSync(asPath))) {
    if (!existsSync(asPath)) throw new ScenarioLookupError(`no scenario file ${asPath}`);
    return load(asPath);
  }
  const name = nameOrPath.replace(/\.json$/, '');
  for (const dir of scenarioFolders(projectDir)) {
    const file = join(dir, `${name}.json`);
    if (existsSync(file)) return load(file);
  }
  const known = scenarioNames(projectDir);
  throw new ScenarioLookupError(
    `no scenario called "${name}"${known.length > 0 ? `; known: ${known.join(', ')}` : ` in ${SCENARIO_FOLDERS.join(', ')}`}`,
  );
}

function load(file: string): Scenario {
  try {
    return loadScenarioFile(file);
  } catch (error) {
    throw new ScenarioLookupError((error as Error).message, { cause: error });
  }
}

/** The `custom` metrics of the scenario's policy, so traffic publishes where the policy reads. */
export function scenarioCustomMetrics(scenario: Scenario): CustomMetric[] {
  if (!scenario.policyPath || !existsSync(scenario.policyPath)) return [];
  try {
    return loadPolicyFileSync(scenario.policyPath).analysis.metrics.filter(
      (m): m is CustomMetric => m.type === 'custom',
    );
  } catch {
    return [];
  }
}

/** What is laid over the canary's behaviour from the minute a fault is injected. */
export interface CanaryOverride {
  /** 5XX rate, 0..1. */
  errorRate5xx?: number;
  /** Latency, ms. */
  latencyMs?: { p50?: number; p99: number };
}

/**
 * `scenario` with the canary behaving as `override` says from minute `fromMinute` on (later
 * segments keep their own changes, with the override applied over them).
 */
export function overrideCanary(scenario: Scenario, fromMinute: number, override: CanaryOverride): Scenario {
  if (override.errorRate5xx === undefined && override.latencyMs === undefined) return scenario;
  const canary = scenario.endpoint.canaryVariant;
  const segments = scenario.variants[canary] ?? [];
  const apply = (profile: VariantProfile): VariantProfile => {
    const latency = override.latencyMs;
    return {
      ...profile,
      ...(override.errorRate5xx !== undefined ? { errorRate5xx: override.errorRate5xx } : {}),
      ...(latency
        ? {
            latencyMs: {
              p99: latency.p99,
              // The median stays below the p99 (the latency draws need p50 < p99).
              p50: latency.p50 ?? Math.min(profile.latencyMs.p50, latency.p99 * 0.5),
            },
          }
        : {}),
    };
  };
  const applySegment = (segment: ResolvedVariantSegment, at: number): ResolvedVariantSegment => ({
    fromMinute: at,
    profile: apply(segment.profile),
    loadSensitivity: segment.loadSensitivity
      ? { aboveWeight: segment.loadSensitivity.aboveWeight, profile: apply(segment.loadSensitivity.profile) }
      : null,
  });
  const inForce = [...segments].reverse().find((s) => s.fromMinute <= fromMinute) ?? segments[0];
  if (!inForce) return scenario;
  const next: ResolvedVariantSegment[] = [
    ...segments.filter((s) => s.fromMinute < fromMinute),
    applySegment(inForce, fromMinute),
    ...segments.filter((s) => s.fromMinute > fromMinute).map((s) => applySegment(s, s.fromMinute)),
  ];
  return { ...scenario, variants: { ...scenario.variants, [canary]: next } };
}

/** What one endpoint plays. */
export interface EndpointTraffic {
  endpointName: string;
  region: string;
  /** The scenario as chosen (without faults). */
  scenario: Scenario;
  override: CanaryOverride;
  handle: TrafficHandle;
}

export interface DevTrafficOptions {
  /** Starts traffic on the sandbox (`sandbox.playScenario`), replacing what the endpoint played. */
  play(options: PlayScenarioOptions): TrafficHandle;
  /** The endpoint's own variant names, which the scenario's baseline and canary play. */
  variantsOf(endpointName: string): { baselineVariant: string; canaryVariant: string };
  onMinute?: (endpointName: string, record: TrafficMinuteRecord) => void;
}

/** The traffic of every endpoint of the stage, switched and faulted while it runs. */
export class DevTraffic {
  private readonly playing = new Map<string, EndpointTraffic>();

  constructor(private readonly options: DevTrafficOptions) {}

  /** Plays `scenario` on the endpoint from `fromMinute` (default 0), without faults. */
  play(endpointName: string, region: string, scenario: Scenario, fromMinute = 0): EndpointTraffic {
    return this.start(endpointName, region, scenario, {}, fromMinute);
  }

  /** Lays `override` over the endpoint's canary from the minute about to be played; returns that minute. */
  fault(endpointName: string, override: CanaryOverride): { traffic: EndpointTraffic; fromMinute: number } {
    const current = this.get(endpointName);
    const minute = current.handle.minutesPlayed();
    const merged: CanaryOverride = { ...current.override, ...override };
    return {
      traffic: this.start(endpointName, current.region, current.scenario, merged, minute),
      fromMinute: minute,
    };
  }

  /** Takes every canary fault off the endpoint; its scenario goes on from the current minute. */
  clearFaults(endpointName: string): EndpointTraffic {
    const current = this.get(endpointName);
    return this.start(endpointName, current.region, current.scenario, {}, current.handle.minutesPlayed());
  }

  get(endpointName: string): EndpointTraffic {
    const current = this.playing.get(endpointName);
    if (!current) throw new ScenarioLookupError(`no traffic plays on endpoint ${endpointName}`);
    return current;
  }

  has(endpointName: string): boolean {
    return this.playing.has(endpointName);
  }

  all(): EndpointTraffic[] {
    return [...this.playing.values()];
  }

  stop(): void {
    for (const traffic of this.playing.values()) traffic.handle.stop();
  }

  private start(
    endpointName: string,
    region: string,
    scenario: Scenario,
    override: CanaryOverride,
    fromMinute: number,
  ): EndpointTraffic {
    const customMetrics = scenarioCustomMetrics(scenario);
    const handle = this.options.play({
      scenario: overrideCanary(scenario, fromMinute, override),
      region,
      endpointName,
      ...this.options.variantsOf(endpointName),
      startMinute: fromMinute,
      stopAtEnd: false,
      ...(customMetrics.length > 0 ? { customMetrics } : {}),
      ...(this.options.onMinute
        ? { onMinute: (record: TrafficMinuteRecord) => this.options.onMinute?.(endpointName, record) }
        : {}),
    });
    const traffic: EndpointTraffic = { endpointName, region, scenario, override, handle };
    this.playing.set(endpointName, traffic);
    return traffic;
  }
}

/** The override in words: `5XX 20%, p99 800 ms`, or `none`. */
export function describeOverride(override: CanaryOverride): string {
  const parts: string[] = [];
  if (override.errorRate5xx !== undefined) parts.push(`5XX ${+(override.errorRate5xx * 100).toFixed(2)}%`);
  if (override.latencyMs) {
    parts.push(
      `p99 ${formatMs(override.latencyMs.p99)}${override.latencyMs.p50 !== undefined ? `, p50 ${formatMs(override.latencyMs.p50)}` : ''}`,
    );
  }
  return parts.length > 0 ? parts.join(', ') : 'none';
}
