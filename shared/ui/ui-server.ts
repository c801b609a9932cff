import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiRequestError, type ApiResponse, WatchdogApiClient } from '../cli-client/watchdog-api-client';
import type { OutgoingRequest } from '../cli-client/watchdog-api-client';

/** Port `rollout-watchdog ui` listens on without `--port`. */
export const DEFAULT_UI_PORT = 8790;

/** History entries the page asks for per rollout at most (the API's own ceiling is 500). Entries. */
export const PAGE_HISTORY_LIMIT = 300;

/** How often the page reloads what it shows, without `refreshSeconds`. Seconds. */
export const DEFAULT_REFRESH_SECONDS = 5;

export interface UiServerOptions {
  /** The control API's base URL. */
  api: string;
  /** Default DEFAULT_UI_PORT; 0 picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1 (the proxy signs with the caller's credentials: never expose it). */
  host?: string;
  /** Signs each proxied call (SigV4 for a deployed API); absent: unsigned (the local stage). */
  signRequest?: (request: OutgoingRequest) => Promise<Record<string, string>>;
  /** Sent as `x-rollout-operator` (the local stage). */
  operator?: string;
  fetch?: typeof fetch;
  /** How often the page refreshes. Seconds. */
  refreshSeconds?: number;
}

export interface UiServer {
  url: string;
  close(): Promise<void>;
}

const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'page');
const requireFromHere = createRequire(import.meta.url);

/** The files the page is made of: its own, and uPlot's from node_modules (nothing from another host). */
const ASSETS: Readonly<Record<string, { file: () => string; type: string }>> = {
  '/app.js': { file: () => join(PAGE_DIR, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: () => join(PAGE_DIR, 'app.css'), type: 'text/css; charset=utf-8' },
  '/vendor/uplot.js': {
    file: () => join(dirname(requireFromHere.resolve('uplot')), 'uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/vendor/uplot.css': {
    file: () => join(dirname(requireFromHere.resolve('uplot')), 'uPlot.min.css'),
    type: 'text/css; charset=utf-8',
  },
};

const ENDPOINT_SEGMENT = '([A-Za-z0-9-]{1,63})';
const STATUS_PATH = new RegExp(`^/api/rollouts/${ENDPOINT_SEGMENT}$`);
const HISTORY_PATH = new RegExp(`^/api/rollouts/${ENDPOINT_SEGMENT}/history$`);
const METRICS_PATH = new RegExp(`^/api/rollouts/${ENDPOINT_SEGMENT}/metrics$`);

/**
 * The rollout page's local server, like `kubectl proxy`: serves the page and its chart code, and
 * passes the page's read-only calls (`/api/rollouts`, `/api/rollouts/{endpoint}`, `/history`,
 * `/metrics`) to the control API through WatchdogApiClient, signed with the caller's credentials
 * when `signRequest` is given (a browser cannot sign for an IAM-authorised API). Nothing else is
 * proxied: no command, and no request whose Host is not this server (a page on another site
 * cannot use it, DNS rebinding included).
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const client = new WatchdogApiClient(options.api, {
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.signRequest ? { signRequest: options.signRequest } : {}),
    ...(options.operator ? { operator: options.operator } : {}),
  });
  const host = options.host ?? '127.0.0.1';
  const refreshSeconds = options.refreshSeconds ?? DEFAULT_REFRESH_SECONDS;
  let allowedHosts = new Set<string>();

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, 500, 'application/json', JSON.stringify({ error: `ui server failed: ${String(error)}` }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      send(res, 421, 'text/plain', 'this server answers only on the address it printed\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://ui.local');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      send(res, 405, 'text/plain', 'the rollout page is read-only\n');
      return;
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      const html = await readFile(join(PAGE_DIR, 'index.html'), 'utf8');
      send(res, 200, 'text/html; charset=utf-8', html.replace('__REFRESH_SECONDS__', String(refreshSeconds)));
      return;
    }
    const asset = ASSETS[url.pathname];
    if (asset) {
      send(res, 200, asset.type, await readFile(asset.file()));
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      await proxy(url, res);
      return;
    }
    send(res, 404, 'text/plain', 'not found\n');
  }

  async function proxy(url: URL, res: ServerResponse): Promise<void> {
    const path = url.pathname;
    let call: (() => Promise<ApiResponse<unknown>>) | undefined;
    let m: RegExpExecArray | null;
    if (path === '/api/rollouts') call = () => client.list();
    else if ((m = STATUS_PATH.exec(path))) call = () => client.status(m![1] as string);
    else if ((m = HISTORY_PATH.exec(path))) call = () => client.history(m![1] as string, PAGE_HISTORY_LIMIT);
    else if ((m = METRICS_PATH.exec(path))) call = () => client.metrics(m![1] as string);
    if (!call) {
      send(res, 404, 'application/json', JSON.stringify({ error: `no such call ${path}` }));
      return;
    }
    try {
      const answer = await call();
      const body = answer.ok ? answer.body : { error: answer.error, problems: answer.problems };
      send(res, answer.status, 'application/json', JSON.stringify(body));
    } catch (error) {
      const message =
        error instanceof ApiRequestError ? error.message : `the control API call failed: ${String(error)}`;
      send(res, 502, 'application/json', JSON.stringify({ error: message }));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_UI_PORT, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `${host}:${port}`.toLowerCase()]);
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    // Only this server's own files and calls, no framing by other sites.
    'content-security-policy':
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}
