import type { HookPoint, HookPolicy, Phase } from '../domain/types';

/**
 * What a hook is sent (the JSON body of an HTTPS call, the payload of a Lambda invocation), as
 * docs/operations.md ("Gates and hooks") documents it. `attempt` is added per call (1, 2, ...).
 */
export interface HookRequest {
  hook: string;
  point: HookPoint;
  endpointName: string;
  region: string;
  rolloutId: string;
  /** The model the rollout ships, when it was started from a model name. */
  model?: string;
  stepIndex: number;
  /** The canary's weight now. Percent. */
  canaryWeight: number;
  /** The weight the move asked about goes to (absent: promotion, or a hook that is only told). Percent. */
  nextWeight?: number;
  phase: Phase;
  /** The decision's time (the tick's event time), ISO. */
  time: string;
}

/** How one hook call ended, after its retries: what history records and the gate decides on. */
export interface HookCallResult {
  hook: string;
  point: HookPoint;
  /** The hook allowed (2xx, or a Lambda answer `{ allow: true }`). False for a "no" and for a failed call. */
  allow: boolean;
  /** True when no answer came: timeout, network error, 429/5XX or a Lambda error after the retries, a malformed answer. */
  failed: boolean;
  /** HTTP status of the last attempt (Lambda: the invocation's status), when there was one. */
  status?: number;
  /** The hook's own reason (first 300 characters), or why the call failed. */
  reason: string;
  /** Calls made, the first one included. */
  attempts: number;
  /** Wall-clock time of the whole call, retries included. Milliseconds. */
  ms: number;
}

/** Calls hooks (HTTPS or Lambda, as the hook's target says); never throws: a failure is a result. */
export interface HookCaller {
  call(hook: HookPolicy, request: HookRequest): Promise<HookCallResult>;
}
