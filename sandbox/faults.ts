/**
 * Faults on demand: the test helper and `/_sandbox/faults` route that make the sandbox misbehave
 * the way AWS sometimes does (throttling, 5xx, latency, an endpoint stuck `Updating`, an instance
 * type out of capacity, a blue/green rollback that fails, a region gone, event deliveries dropped
 * or duplicated). The HTTP front consults `beforeCall` on every
 * AWS call; SNS delivery and the event router consult `nextDelivery`.
 */
import { AwsError, throttlingError } from './aws-error';
import { createRateWindow, type RateWindow } from './rate-window';

/** Which calls a rule applies to; an omitted field matches everything. */
export interface CallMatcher {
  /** SigV4 signing name: sagemaker, monitoring, sns, ssm, dynamodb. */
  service?: string;
  /** Operation name as in the SDK command without `Command` (`UpdateEndpointWeightsAndCapacities`). */
  operation?: string;
  region?: string;
}

/** How many matching calls a rule hits: the next `times` calls, or a steady fraction of them. */
export interface RuleScope extends CallMatcher {
  /** Hit the next N matching calls, then the rule expires. Default: every matching call until cleared. */
  times?: number;
  /** Hit this fraction (0..1] of matching calls, spread evenly (deterministic: every 1/fraction-th call). */
  fraction?: number;
  /**
   * Hit only the calls above this many per wall-clock second (a token-bucket-free sliding
   * window), the way a real service throttles a caller that exceeds its rate.
   */
  maxPerSecond?: number;
}

export interface FaultsOptions {
  /** Wall clock in ms for `maxPerSecond` rules (injectable for tests). Default `Date.now`. */
  wallNow?: () => number;
}

export type FaultRule =
  | (RuleScope & { id: string; kind: 'throttle' })
  | (RuleScope & { id: string; kind: 'error'; code: ServerErrorCode })
  | (RuleScope & { id: string; kind: 'latency'; latencyMs: number })
  | (RuleScope & { id: string; kind: 'lost-reply'; reply: LostReplyMode });

/**
 * How the caller learns nothing of a call that did run: the connection is reset (as when the
 * client's timeout or a load balancer cut it), or a 5xx comes back instead of the result.
 */
export type LostReplyMode = 'reset' | ServerErrorCode;

export type ServerErrorCode = 'InternalFailure' | 'ServiceUnavailable' | 'InternalServerError';

/** How a region that was taken away fails: the TCP connection is reset, or 503 ServiceUnavailable. */
export type RegionOutageMode = 'reset' | 'unavailable';

/** Event channels whose deliveries can be dropped or duplicated. */
export type DeliveryChannel = 'events' | 'sns';

/** What the front does with one call. */
export interface CallVerdict {
  /** Extra wall-clock delay before answering, ms. */
  latencyMs: number;
  /** Answer with this error instead of running the operation. */
  error?: AwsError;
  /** The region is down: answer as `mode` says. */
  regionDown?: RegionOutageMode;
  /** Run the operation, then answer as `lostReply` says instead of with its result (a timeout). */
  lostReply?: 'reset' | AwsError;
}

export type DeliveryVerdict = 'deliver' | 'drop' | 'duplicate';

export interface Faults {
  throttle(scope?: RuleScope): string;
  fail(code?: ServerErrorCode, scope?: RuleScope): string;
  delay(latencyMs: number, scope?: RuleScope): string;
  /**
   * The call runs (its write lands) but its reply is lost: the caller sees a reset connection or
   * a 5xx and, if it retries, retries something already done. What a client timeout looks like.
   */
  loseReply(scope?: RuleScope, reply?: LostReplyMode): string;
  /**
   * Keeps the endpoint `Updating` (or `Creating`) until `releaseEndpoint`. A change already due
   * when the hold is placed completes first (hold observers settle it).
   */
  holdEndpoint(region: string, endpointName: string): void;
  /** Registers an observer told just before an endpoint is held (the SageMaker emulation settles due changes). */
  onEndpointHold(observer: (region: string, endpointName: string) => void): void;
  releaseEndpoint(region: string, endpointName: string): void;
  isEndpointHeld(region: string, endpointName: string): boolean;
  /**
   * SageMaker cannot provision `instanceType` in `region` until `restoreCapacity`: an
   * `UpdateEndpoint` or `CreateEndpoint` started meanwhile to a config that uses it ends as
   * SageMaker ends it (back to `InService` on the old config, or `Failed` for a create, with
   * `FailureReason` set).
   */
  exhaustCapacity(region: string, instanceType: string): void;
  restoreCapacity(region: string, instanceType: string): void;
  isCapacityExhausted(region: string, instanceType: string): boolean;
  /**
   * A blue/green deployment of the endpoint that rolls back from now until `restoreRollback`
   * fails to: after `RollingBack` it ends `UpdateRollbackFailed`, its traffic left split between
   * the fleets as it was (what SageMaker reports when both the deployment and its rollback fail).
   */
  failRollback(region: string, endpointName: string): void;
  restoreRollback(region: string, endpointName: string): void;
  isRollbackFailing(region: string, endpointName: string): boolean;
  takeRegionDown(region: string, mode?: RegionOutageMode): void;
  restoreRegion(region: string): void;
  /** Drop the next `count` deliveries on `channel` (all channels when omitted). */
  dropDeliveries(count: number, channel?: DeliveryChannel): void;
  /** Deliver the next `count` deliveries twice on `channel` (all channels when omitted). */
  duplicateDeliveries(count: number, channel?: DeliveryChannel): void;
  /** Decides one delivery on `channel` and consumes the matching flag. */
  nextDelivery(channel: DeliveryChannel): DeliveryVerdict;
  /** Decides one AWS call and consumes the matching rules' counters. */
  beforeCall(call: Required<CallMatcher>): CallVerdict;
  removeRule(id: string): boolean;
  /** Everything currently configured, for the control route and debugging. */
  snapshot(): FaultsSnapshot;
  clear(): void;
}

export interface FaultsSnapshot {
  rules: FaultRule[];
  heldEndpoints: string[];
  regionsDown: Record<string, RegionOutageMode>;
  /** `region/instanceType` pairs without capacity. */
  capacityExhausted: string[];
  /** `region/endpointName` pairs whose blue/green rollback fails. */
  rollbackFailing: string[];
  deliveries: { channel: DeliveryChannel | 'any'; verdict: 'drop' | 'duplicate'; remaining: number }[];
}

interface RuleState {
  rule: FaultRule;
  seen: number;
  hits: number;
  /** The calls admitted within the last second (`maxPerSecond` rules). */
  window: RateWindow;
}

/** Creates an empty fault set: every call passes until a test or the control route adds a rule. */
export function createFaults(options: FaultsOptions = {}): Faults {
  const wallNow = options.wallNow ?? Date.now;
  let rules: RuleState[] = [];
  let nextId = 1;
  const held = new Set<string>();
  const holdObservers: ((region: string, endpointName: string) => void)[] = [];
  const regionsDown = new Map<string, RegionOutageMode>();
  const exhausted = new Set<string>();
  const rollbackFailing = new Set<string>();
  let deliveryFlags: FaultsSnapshot['deliveries'] = [];

  const add = (rule: FaultRule): string => {
    if (rule.times !== undefined && (!Number.isInteger(rule.times) || rule.times < 1)) {
      throw new RangeError(`times must be a positive integer, got ${rule.times}`);
    }
    if (rule.fraction !== undefined && !(rule.fraction > 0 && rule.fraction <= 1)) {
      throw new RangeError(`fraction must be in (0, 1], got ${rule.fraction}`);
    }
    if (rule.maxPerSecond !== undefined && !(Number.isInteger(rule.maxPerSecond) && rule.maxPerSecond >= 0)) {
      throw new RangeError(`maxPerSecond must be a non-negative integer, got ${rule.maxPerSecond}`);
    }
    rules.push({ rule, seen: 0, hits: 0, window: createRateWindow() });
    return rule.id;
  };
  const newId = () => `fault-${nextId++}`;
  const heldKey = (region: string, name: string) => `${region}/${name}`;

  const matches = (rule: CallMatcher, call: Required<CallMatcher>) =>
    (rule.service === undefined || rule.service === call.service) &&
    (rule.operation === undefined || rule.operation === call.operation) &&
    (rule.region === undefined || rule.region === call.region);

  /** Counts the call against the rule; true when this call is one the rule hits. */
  const hit = (state: RuleState): boolean => {
    state.seen += 1;
    const { fraction, times, maxPerSecond } = state.rule;
    if (maxPerSecond !== undefined && state.window.admit(wallNow(), maxPerSecond)) return false;
    // Evenly spread: hit whenever floor(seen × fraction) steps up, so 0.5 hits every 2nd call.
    const due =
      fraction === undefined || Math.floor(state.seen * fraction) > Math.floor((state.seen - 1) * fraction);
    if (!due) return false;
    state.hits += 1;
    return times === undefined || state.hits <= times;
  };

  return {
    throttle: (scope = {}) => add({ ...scope, id: newId(), kind: 'throttle' }),
    fail: (code = 'InternalFailure', scope = {}) => add({ ...scope, id: newId(), kind: 'error', code }),
    loseReply: (scope = {}, reply = 'reset') => add({ ...scope, id: newId(), kind: 'lost-reply', reply }),
    delay: (latencyMs, scope = {}) => {
      if (!(latencyMs >= 0)) throw new RangeError(`latencyMs must be >= 0, got ${latencyMs}`);
      return add({ ...scope, id: newId(), kind: 'latency', latencyMs });
    },
    holdEndpoint(region, name) {
      for (const observer of holdObservers) observer(region, name);
      held.add(heldKey(region, name));
    },
    onEndpointHold: (observer) => void holdObservers.push(observer),
    releaseEndpoint: (region, name) => void held.delete(heldKey(region, name)),
    isEndpointHeld: (region, name) => held.has(heldKey(region, name)),
    exhaustCapacity: (region, instanceType) => void exhausted.add(`${region}/${instanceType}`),
    restoreCapacity: (region, instanceType) => void exhausted.delete(`${region}/${instanceType}`),
    isCapacityExhausted: (region, instanceType) => exhausted.has(`${region}/${instanceType}`),
    failRollback: (region, name) => void rollbackFailing.add(heldKey(region, name)),
    restoreRollback: (region, name) => void rollbackFailing.delete(heldKey(region, name)),
    isRollbackFailing: (region, name) => rollbackFailing.has(heldKey(region, name)),
    takeRegionDown: (region, mode = 'reset') => void regionsDown.set(region, mode),
    restoreRegion: (region) => void regionsDown.delete(region),
    dropDeliveries: (count, channel) => {
      deliveryFlags.push({ channel: channel ?? 'any', verdict: 'drop', remaining: count });
    },
    duplicateDeliveries: (count, channel) => {
      deliveryFlags.push({ channel: channel ?? 'any', verdict: 'duplicate', remaining: count });
    },
    nextDelivery(channel) {
      const flag = deliveryFlags.find(
        (f) => f.remaining > 0 && (f.channel === 'any' || f.channel === channel),
      );
      if (!flag) return 'deliver';
      flag.remaining -= 1;
      deliveryFlags = deliveryFlags.filter((f) => f.remaining > 0);
      return flag.verdict;
    },
    beforeCall(call) {
      const down = regionsDown.get(call.region);
      if (down) return { latencyMs: 0, regionDown: down };
      let latencyMs = 0;
      let error: AwsError | undefined;
      let lost: LostReplyMode | undefined;
      for (const state of rules) {
        if (!matches(state.rule, call)) continue;
        const { rule } = state;
        // A call that never runs cannot lose its reply: lost replies are decided after the errors.
        if (rule.kind === 'lost-reply') continue;
        // Latency adds up with an error rule; once an error is chosen later error rules are not consumed.
        if (rule.kind === 'latency') {
          if (hit(state)) latencyMs += rule.latencyMs;
        } else if (!error && hit(state)) {
          error = rule.kind === 'throttle' ? throttlingError(call.service) : serverError(rule.code);
        }
      }
      if (!error)
        for (const state of rules)
          if (state.rule.kind === 'lost-reply' && !lost && matches(state.rule, call) && hit(state))
            lost = state.rule.reply;
      rules = rules.filter((s) => s.rule.times === undefined || s.hits < s.rule.times);
      if (error) return { latencyMs, error };
      if (lost) return { latencyMs, lostReply: lost === 'reset' ? 'reset' : serverError(lost) };
      return { latencyMs };
    },
    removeRule(id) {
      const before = rules.length;
      rules = rules.filter((s) => s.rule.id !== id);
      return rules.length < before;
    },
    snapshot: () => ({
      rules: rules.map((s) => s.rule),
      heldEndpoints: [...held],
      regionsDown: Object.fromEntries(regionsDown),
      capacityExhausted: [...exhausted],
      rollbackFailing: [...rollbackFailing],
      deliveries: deliveryFlags.map((f) => ({ ...f })),
    }),
    clear() {
      rules = [];
      held.clear();
      regionsDown.clear();
      exhausted.clear();
      rollbackFailing.clear();
      deliveryFlags = [];
    },
  };
}

function serverError(code: ServerErrorCode): AwsError {
  return new AwsError(code, serverErrorMessage(code), code === 'ServiceUnavailable' ? 503 : 500);
}

function serverErrorMessage(code: ServerErrorCode): string {
  switch (code) {
    case 'ServiceUnavailable':
      return 'Service Unavailable';
    case 'InternalServerError':
      return 'Internal Server Error';
    default:
      return 'An internal error has occurred';
  }
}
