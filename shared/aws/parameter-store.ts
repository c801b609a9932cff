import { GetParameterCommand, GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';

/** Names one GetParameters call may ask for (an SSM limit). */
export const GET_PARAMETERS_BATCH = 10;

/** Default time a parameter value is reused before SSM is asked again, in milliseconds. */
export const DEFAULT_PARAMETER_TTL_MS = 60_000;

/** SSM failed for a reason other than "not found" (throttling, access denied, network). */
export class ParameterStoreError extends Error {
  override readonly name = 'ParameterStoreError';
  constructor(
    readonly parameterName: string,
    options: { cause: unknown },
  ) {
    const cause = options.cause as { name?: string; message?: string };
    super(
      `reading SSM parameter ${parameterName} failed: ${cause?.name ?? 'Error'}: ${cause?.message ?? ''}`,
      options,
    );
  }
}

export interface ParameterStoreOptions {
  /** How long a value (or its absence) is cached, in milliseconds. */
  ttlMs?: number;
  /** Clock for the cache, epoch ms. Cache expiry is a wall-clock matter, unlike rollout time. */
  now?: () => number;
}

interface CacheEntry {
  value: string | undefined;
  expiresAt: number;
}

/**
 * Reads SSM parameters with a TTL cache, so a tick over many rollouts and a warm Lambda do not
 * ask SSM for the same value every time. A missing parameter is `undefined` (and cached too);
 * anything else SSM refuses throws `ParameterStoreError`.
 */
export class ParameterStore {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  /** Number of GetParameter calls made (for tests and benchmarks). */
  calls = 0;

  constructor(
    private readonly ssm: SSMClient,
    options: ParameterStoreOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_PARAMETER_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /** The value of a String parameter, or undefined when it does not exist. */
  getText(name: string): Promise<string | undefined> {
    return this.read(name, false);
  }

  /** The decrypted value of a SecureString parameter, or undefined when it does not exist. */
  getSecure(name: string): Promise<string | undefined> {
    return this.read(name, true);
  }

  /**
   * Reads the String parameters `names` that are not cached (or whose entry expired) with
   * GetParameters, ten names a call, and caches them (a name SSM reports invalid is cached as
   * missing). A tick over N rollouts then asks SSM N/10 times instead of N. Throws
   * `ParameterStoreError` when a call fails; what was read before it stays cached.
   */
  async prefetchTexts(names: readonly string[]): Promise<void> {
    const now = this.now();
    const wanted = [...new Set(names)].filter((name) => {
      const cached = this.cache.get(this.key(name, false));
      return !cached || cached.expiresAt <= now;
    });
    for (let i = 0; i < wanted.length; i += GET_PARAMETERS_BATCH) {
      const batch = wanted.slice(i, i + GET_PARAMETERS_BATCH);
      let out;
      try {
        this.calls++;
        out = await this.ssm.send(new GetParametersCommand({ Names: batch, WithDecryption: false }));
      } catch (error) {
        throw new ParameterStoreError(batch.join(', '), { cause: error });
      }
      const found = new Map((out.Parameters ?? []).map((p) => [p.Name, p.Value]));
      for (const name of batch) {
        this.cache.set(this.key(name, false), { value: found.get(name), expiresAt: now + this.ttlMs });
      }
    }
  }

  /** Forgets a cached value (after a permanent failure that suggests the value changed). */
  invalidate(name: string): void {
    this.cache.delete(this.key(name, false));
    this.cache.delete(this.key(name, true));
  }

  private key(name: string, decrypt: boolean): string {
    return `${decrypt ? 'secure' : 'plain'}:${name}`;
  }

  private async read(name: string, decrypt: boolean): Promise<string | undefined> {
    const key = this.key(name, decrypt);
    const cached = this.cache.get(key);
    const now = this.now();
    if (cached && cached.expiresAt > now) return cached.value;
    let value: string | undefined;
    try {
      this.calls++;
      const out = await this.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: decrypt }));
      value = out.Parameter?.Value;
    } catch (error) {
      if ((error as { name?: string })?.name !== 'ParameterNotFound') {
        throw new ParameterStoreError(name, { cause: error });
      }
      value = undefined;
    }
    this.cache.set(key, { value, expiresAt: now + this.ttlMs });
    return value;
  }
}
