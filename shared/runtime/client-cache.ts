import { processCallPacer } from '../aws/call-pacer';
import { processThrottleCounter } from '../aws/throttle-counter';
import { addThrottleMiddleware, isInstrumentable, type ThrottleHandling } from '../aws/throttle-middleware';

/**
 * SDK attempts (first try included) for the watchdog's AWS clients. Attempts. The SDK's standard
 * retry mode (its default, kept on purpose) backs a throttle off by a random 0..1 s, 0..2 s, then
 * 0..4 s: enough to ride out the odd throttle the pacer lets through, short enough that a throttle
 * that lasts reaches the caller within a tick, which keeps the rollout on its work list. Adaptive
 * mode is not used: its client-side limiter holds one rate for every operation of a client, where
 * the pacer holds one per operation.
 */
export const SDK_MAX_ATTEMPTS = 4;

/** Extra settings for every SDK client (tests and benchmarks: the sandbox's endpoint and credentials). */
export interface ClientConfig {
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** What an SDK client constructor is given here. */
export type ClientSettings = { region: string; maxAttempts: number } & ClientConfig;

/**
 * SDK clients by service and region, created on first use and reused while the Lambda stays warm,
 * every one with SDK_MAX_ATTEMPTS so throttling is retried with jittered backoff, its
 * quota-bound operations paced and its throttles counted (`shared/aws/throttle-middleware.ts`,
 * by default into the process's one pacer and counter). Endpoints come
 * from `AWS_ENDPOINT_URL` (the SDK reads it) unless `config` names one. The client constructors
 * are passed in by each function's builder, so this file imports no SDK client and a function's
 * bundle holds only the clients its builder names.
 */
export class ClientCache {
  private readonly clients = new Map<unknown, Map<string, unknown>>();

  constructor(
    /** Region of clients asked for without one: the watchdog's home region. */
    private readonly homeRegion: string,
    private readonly config: ClientConfig = {},
    private readonly throttling: ThrottleHandling = {
      pacer: processCallPacer,
      counter: processThrottleCounter,
    },
  ) {}

  /** The client of `Client`'s service for `region` (default: the home region). */
  get<C>(Client: new (settings: ClientSettings) => C, region: string = this.homeRegion): C {
    let byRegion = this.clients.get(Client) as Map<string, C> | undefined;
    if (!byRegion) {
      byRegion = new Map();
      this.clients.set(Client, byRegion);
    }
    let client = byRegion.get(region);
    if (!client) {
      client = new Client({ maxAttempts: SDK_MAX_ATTEMPTS, ...this.config, region });
      if (isInstrumentable(client)) addThrottleMiddleware(client, region, this.throttling);
      byRegion.set(region, client);
    }
    return client;
  }
}

/** One adapter per region, built by `build` on first use and kept. */
export function perRegion<T>(build: (region: string) => T): (region: string) => T {
  const adapters = new Map<string, T>();
  return (region) => {
    let adapter = adapters.get(region);
    if (!adapter) {
      adapter = build(region);
      adapters.set(region, adapter);
    }
    return adapter;
  };
}
