import type { SSMClient } from '@aws-sdk/client-ssm';
import { DEFAULT_PARAMETER_TTL_MS, ParameterStore } from './parameter-store';
import { type PolicyParse, parsePolicyText } from '../events/policy-text';
import type { LastGoodPolicy, PolicyLookup, PolicyReader } from '../ports/policy-reader';

/** Default time a stored policy is reused before SSM is asked again, in milliseconds. */
export const DEFAULT_POLICY_TTL_MS = DEFAULT_PARAMETER_TTL_MS;

export interface PolicySourceOptions {
  /** How long a stored policy is cached, in milliseconds. */
  ttlMs?: number;
  /** Cache clock, epoch ms. */
  now?: () => number;
  /** Validator (default: YAML/JSON text through the engine's `parsePolicy`). */
  parse?: (text: string) => PolicyParse;
}

/**
 * Rollout policies stored in SSM Parameter Store at `<prefix>/policies/<endpointName>`, read
 * through a TTL cache; a text validated once is not validated again while it stays the same.
 */
export class PolicySource implements PolicyReader {
  private readonly store: ParameterStore;
  private readonly parse: (text: string) => PolicyParse;
  private readonly parsed = new Map<string, { text: string; result: PolicyParse }>();

  constructor(
    ssm: SSMClient,
    private readonly prefix: string,
    options: PolicySourceOptions = {},
  ) {
    this.store = new ParameterStore(ssm, { ttlMs: options.ttlMs ?? DEFAULT_POLICY_TTL_MS, now: options.now });
    this.parse = options.parse ?? parsePolicyText;
  }

  /** Parameter name of an endpoint's policy. */
  parameterName(endpointName: string): string {
    return `${this.prefix.replace(/\/+$/, '')}/policies/${endpointName}`;
  }

  /** Number of SSM calls made so far (tests, benchmarks). */
  get calls(): number {
    return this.store.calls;
  }

  /** Reads the stored policies of `endpointNames` in batches, so the `get`s that follow hit the cache. */
  prefetch(endpointNames: readonly string[]): Promise<void> {
    return this.store.prefetchTexts(endpointNames.map((name) => this.parameterName(name)));
  }

  /**
   * The stored policy of `endpointName`. `changed` compares the stored text with `lastGood.text`
   * (true when there is no last good policy). Throws `ParameterStoreError` when SSM fails for a
   * reason other than a missing parameter (the caller treats it like any infrastructure fault).
   */
  async get(endpointName: string, lastGood?: LastGoodPolicy): Promise<PolicyLookup> {
    const text = await this.store.getText(this.parameterName(endpointName));
    if (text === undefined) {
      return lastGood ? { status: 'missing', lastGood: lastGood.policy } : { status: 'missing' };
    }
    const result = this.validate(endpointName, text);
    if (!result.ok) {
      return lastGood
        ? { status: 'invalid', problems: result.problems, lastGood: lastGood.policy }
        : { status: 'invalid', problems: result.problems };
    }
    return { status: 'ok', policy: result.policy, text, changed: lastGood?.text !== text };
  }

  private validate(endpointName: string, text: string): PolicyParse {
    const seen = this.parsed.get(endpointName);
    if (seen && seen.text === text) return seen.result;
    let result = this.parse(text);
    if (result.ok && result.policy.endpoint.name !== endpointName) {
      // A policy stored under one endpoint's name must not steer another endpoint.
      result = {
        ok: false,
        problems: [
          `endpoint.name: is "${result.policy.endpoint.name}" but the policy is stored for "${endpointName}"`,
        ],
      };
    }
    this.parsed.set(endpointName, { text, result });
    return result;
  }
}
