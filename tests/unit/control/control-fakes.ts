import type { ControlDeps } from '../../../shared/control/control-deps';
import { needsTick } from '../../../shared/domain/needs-tick';
import type { RolloutNotification } from '../../../shared/notify/notification';
import {
  EndpointNotFoundError,
  type EndpointSnapshot,
  type EndpointWeights,
} from '../../../shared/ports/endpoint-weights';
import type { AlarmStateValue } from '../../../shared/domain/types';
import type { AlarmStates } from '../../../shared/ports/alarm-states';
import type { PolicyLookup } from '../../../shared/ports/policy-reader';
import {
  type HistoryEntry,
  type NewRolloutRecord,
  RolloutExistsError,
  type RolloutRecord,
  type RolloutRepository,
  VersionConflictError,
} from '../../../shared/ports/rollout-repository';

/**
 * A small valid policy object (the shape of docs/policy-reference.md) for `endpointName`, rolling
 * back on `alarms` (none unless given).
 */
export function rawPolicy(endpointName: string, alarms: ReadonlyArray<string> = []): Record<string, unknown> {
  return {
    ...(alarms.length > 0
      ? { rollback: { onAlarms: alarms.map((alarmName) => ({ alarmName, strategy: 'immediate' })) } }
      : {}),
    apiVersion: 'rollout-watchdog/v1',
    endpoint: {
      name: endpointName,
      region: 'us-east-1',
      baselineVariant: 'primary',
      canaryVariant: 'canary',
    },
    strategy: {
      canary: {
        steps: [{ setWeight: 10 }, { pause: { duration: '10m' } }, { setWeight: 50 }, { pause: {} }],
      },
    },
    analysis: {
      interval: '1m',
      window: '5m',
      metrics: [{ name: 'error-rate', type: 'errorRate', threshold: 0.05, failureLimit: 2 }],
    },
  };
}

/** In-memory rollout store with the real store's refusal and version rules; `conflicts` forces VersionConflictErrors. */
export class MemoryStore {
  records = new Map<string, RolloutRecord>();
  histories = new Map<string, HistoryEntry[]>();
  conflicts = 0;
  gets = 0;

  async get(endpointName: string) {
    this.gets += 1;
    return this.records.get(endpointName);
  }

  async listActive() {
    return [...this.records.values()].filter(needsTick);
  }

  async create(input: NewRolloutRecord, now: number) {
    const existing = this.records.get(input.endpointName);
    if (existing && needsTick(existing)) throw new RolloutExistsError(input.endpointName);
    const iso = new Date(now).toISOString();
    const record: RolloutRecord = {
      ...input,
      rolloutId: `${input.endpointName}@${iso}`,
      version: 1,
      createdAt: iso,
      updatedAt: iso,
    };
    this.records.set(input.endpointName, record);
    return record;
  }

  async save(record: RolloutRecord, expectedVersion: number) {
    const stored = this.records.get(record.endpointName);
    if (this.conflicts > 0 || !stored || stored.version !== expectedVersion) {
      this.conflicts = Math.max(0, this.conflicts - 1);
      throw new VersionConflictError(record.endpointName, expectedVersion);
    }
    const next = { ...record, version: expectedVersion + 1 };
    this.records.set(record.endpointName, next);
    return next;
  }

  async appendHistory(endpointName: string, entries: ReadonlyArray<HistoryEntry>) {
    this.histories.set(endpointName, [...(this.histories.get(endpointName) ?? []), ...entries]);
  }

  async history(endpointName: string, options: { limit?: number } = {}) {
    return [...(this.histories.get(endpointName) ?? [])].reverse().slice(0, options.limit ?? 100);
  }
}

/** An endpoint whose weights move at once; `status`, `variants` and `missing` shape what describe answers. */
export class FakeEndpoint {
  status = 'InService';
  variants = ['primary', 'canary'];
  missing = false;
  failure: Error | null = null;
  weights: Record<string, number> = { primary: 100, canary: 0 };
  calls: Array<Record<string, number>> = [];

  async describe(endpointName: string): Promise<EndpointSnapshot> {
    if (this.failure) throw this.failure;
    if (this.missing) throw new EndpointNotFoundError(endpointName);
    return {
      name: endpointName,
      status: this.status,
      variants: this.variants.map((name) => ({
        name,
        currentWeight: this.weights[name] ?? 0,
        desiredWeight: this.weights[name] ?? 0,
        currentPct: this.weights[name] ?? 0,
        desiredPct: this.weights[name] ?? 0,
      })),
    };
  }

  async setWeights(_endpointName: string, weights: Readonly<Record<string, number>>) {
    this.calls.push({ ...weights });
    this.weights = { ...weights };
  }
}

/** CloudWatch's alarms of one region: `states` (absent: the alarm does not exist); `failure` makes reads throw. */
export class FakeAlarms implements AlarmStates {
  states = new Map<string, AlarmStateValue>();
  failure: Error | null = null;
  /** Names asked for, one list a read. */
  reads: string[][] = [];
  /** Regions the alarms were asked of. */
  regions: string[] = [];

  async read(alarmNames: Iterable<string>) {
    const names = [...alarmNames];
    this.reads.push(names);
    if (this.failure) throw this.failure;
    const states = new Map<string, AlarmStateValue>();
    for (const name of names) {
      const state = this.states.get(name);
      if (state) states.set(name, state);
    }
    return { states, calls: 1 };
  }
}

export interface Fakes {
  deps: ControlDeps;
  store: MemoryStore;
  endpoint: FakeEndpoint;
  alarms: FakeAlarms;
  published: RolloutNotification[];
  stored: { lookup: PolicyLookup };
}

export function makeFakes(): Fakes {
  const store = new MemoryStore();
  const endpoint = new FakeEndpoint();
  const alarms = new FakeAlarms();
  const published: RolloutNotification[] = [];
  const stored: { lookup: PolicyLookup } = { lookup: { status: 'missing' } };
  const deps: ControlDeps = {
    store: store as unknown as RolloutRepository,
    endpoints: () => endpoint as unknown as EndpointWeights,
    alarmStates: (region) => {
      alarms.regions.push(region);
      return alarms;
    },
    notifier: {
      async publish(n) {
        published.push(n);
        return { ok: true };
      },
    },
    policies: {
      get: async () => stored.lookup,
      parameterName: (name) => `/rollout-watchdog/test/policies/${name}`,
    },
  };
  return { deps, store, endpoint, alarms, published, stored };
}
