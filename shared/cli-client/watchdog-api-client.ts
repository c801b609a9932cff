import type { OperatorCommand } from '../domain/types';
import type {
  CommandOutcome,
  RolloutHistory,
  RolloutList,
  RolloutMetrics,
  RolloutStatus,
  StatsView,
} from '../control/control-contract';

/** How long one API call may take before the client gives up, in milliseconds. */
export const DEFAULT_API_TIMEOUT_MS = 30_000;

/** An answer from the API: the body on 2xx, the API's `{ error, problems }` otherwise. */
export type ApiResponse<T> =
  { ok: true; status: number; body: T } | { ok: false; status: number; error: string; problems: string[] };

/** A request about to be sent, for `signRequest` (SigV4 for the deployed API's IAM auth). */
export interface OutgoingRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

export interface WatchdogApiClientOptions {
  fetch?: typeof fetch;
  /** Sent as `x-rollout-operator`: names the caller where no IAM identity exists (local stage). */
  operator?: string;
  /** Extra headers on every request (e.g. `x-watchdog-now` against the sandbox). */
  headers?: Record<string, string>;
  /**
   * Returns the headers to add for authentication (e.g. SigV4 with service `execute-api`). The
   * deployed API has IAM auth on every route, so unsigned requests get 403 there.
   */
  signRequest?: (request: OutgoingRequest) => Promise<Record<string, string>>;
  /** Milliseconds; default DEFAULT_API_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** The API could not be reached or answered something that is not the control API's JSON. */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Body of `POST /rollouts`. */
export interface StartRolloutInput {
  endpointName: string;
  /** Policy text (YAML or JSON); absent: the policy stored for the endpoint. */
  policy?: string;
  reason?: string;
  /** Start even when the alarm check refuses; needs `reason` (the override is recorded). */
  force?: boolean;
  /**
   * Start from a model name: the watchdog deploys it as the canary variant beside the baseline
   * (new endpoint config, UpdateEndpoint) and begins the steps once the endpoint is InService.
   */
  model?: string;
}

/** A thin fetch client for the control API; one method per route, answers as values. */
export class WatchdogApiClient {
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;

  constructor(
    baseUrl: string,
    private readonly options: WatchdogApiClientOptions = {},
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? fetch;
  }

  /** `POST /rollouts` */
  start(input: StartRolloutInput): Promise<ApiResponse<CommandOutcome>> {
    return this.request('POST', '/rollouts', input);
  }

  /** `GET /rollouts` */
  list(): Promise<ApiResponse<RolloutList>> {
    return this.request('GET', '/rollouts');
  }

  /** `GET /rollouts/{endpoint}` */
  status(endpointName: string): Promise<ApiResponse<RolloutStatus>> {
    return this.request('GET', `/rollouts/${encodeURIComponent(endpointName)}`);
  }

  /** `GET /rollouts/{endpoint}/history?limit=` (newest first) */
  history(endpointName: string, limit?: number): Promise<ApiResponse<RolloutHistory>> {
    const query = limit === undefined ? '' : `?limit=${encodeURIComponent(String(limit))}`;
    return this.request('GET', `/rollouts/${encodeURIComponent(endpointName)}/history${query}`);
  }

  /** `GET /rollouts/{endpoint}/metrics` (per-variant error rate and p99 over the rollout) */
  metrics(endpointName: string): Promise<ApiResponse<RolloutMetrics>> {
    return this.request('GET', `/rollouts/${encodeURIComponent(endpointName)}/metrics`);
  }

  /** `GET /stats?since=&endpoint=` (deployment analytics) */
  stats(query: { since?: string; endpoint?: string } = {}): Promise<ApiResponse<StatsView>> {
    const params = new URLSearchParams();
    if (query.since !== undefined) params.set('since', query.since);
    if (query.endpoint !== undefined) params.set('endpoint', query.endpoint);
    const text = params.toString();
    return this.request('GET', `/stats${text ? `?${text}` : ''}`);
  }

  /** `POST /rollouts/{endpoint}/{pause|resume|promote|abort|rollback}` */
  command(
    endpointName: string,
    command: OperatorCommand['type'],
    reason?: string,
  ): Promise<ApiResponse<CommandOutcome>> {
    return this.request(
      'POST',
      `/rollouts/${encodeURIComponent(endpointName)}/${command}`,
      reason === undefined ? {} : { reason },
    );
  }

  private async request<T>(method: string, path: string, payload?: unknown): Promise<ApiResponse<T>> {
    const url = `${this.baseUrl}${path}`;
    const body = payload === undefined ? undefined : JSON.stringify(payload);
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.operator) headers['x-rollout-operator'] = this.options.operator;
    if (this.options.signRequest)
      Object.assign(headers, await this.options.signRequest({ method, url, headers, body }));
    let response: Response;
    try {
      response = await this.fetchFn(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_API_TIMEOUT_MS),
      });
    } catch (cause) {
      throw new ApiRequestError(`cannot reach the control API at ${url}`, { cause });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch (cause) {
      throw new ApiRequestError(`${method} ${url} answered ${response.status} with a body that is not JSON`, {
        cause,
      });
    }
    if (response.ok) return { ok: true, status: response.status, body: parsed as T };
    const error = parsed as { error?: unknown; problems?: unknown; message?: unknown } | undefined;
    return {
      ok: false,
      status: response.status,
      // API Gateway's own refusals (403 for a missing signature) say `message`, not `error`.
      error: String(error?.error ?? error?.message ?? `HTTP ${response.status}`),
      problems: Array.isArray(error?.problems) ? error.problems.map(String) : [],
    };
  }
}
