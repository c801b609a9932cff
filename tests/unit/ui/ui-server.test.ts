import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiServer, type UiServer } from '../../../shared/ui/ui-server';

/** A raw request to the ui server, with a Host header of our choosing. */
function get(server: UiServer, path: string, options: { method?: string; host?: string } = {}) {
  const url = new URL(server.url);
  return new Promise<{ status: number; body: string; type: string }>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? url.host },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the ui server', () => {
  let server: UiServer;
  const calls: Array<{ url: string; headers: Record<string, string> }> = [];

  beforeAll(async () => {
    server = await startUiServer({
      api: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
      port: 0,
      fetch: (async (url: string, init: { headers: Record<string, string> }) => {
        calls.push({ url, headers: init.headers });
        return new Response(JSON.stringify({ active: [], recent: [] }), { status: 200 });
      }) as unknown as typeof fetch,
      signRequest: async () => ({ authorization: 'AWS4-HMAC-SHA256 Credential=test' }),
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves the page, its script and the chart code from node_modules', async () => {
    const page = await get(server, '/');
    expect(page.body).toContain('<script src="/vendor/uplot.js">');
    expect(page.body).not.toMatch(/https?:\/\//);
    const chart = await get(server, '/vendor/uplot.js');
    expect(chart.status).toBe(200);
    expect(chart.body).toContain('uPlot');
    expect((await get(server, '/app.js')).type).toContain('javascript');
  });

  it("passes the page's calls to the control API, signed", async () => {
    const list = await get(server, '/api/rollouts');
    expect(JSON.parse(list.body)).toEqual({ active: [], recent: [] });
    await get(server, '/api/rollouts/fraud-prod/history');
    expect(calls.map((c) => c.url)).toEqual([
      'https://abc123.execute-api.eu-west-1.amazonaws.com/rollouts',
      'https://abc123.execute-api.eu-west-1.amazonaws.com/rollouts/fraud-prod/history?limit=300',
    ]);
    expect(calls[0]?.headers.authorization).toContain('AWS4-HMAC-SHA256');
  });

  it('proxies no command and nothing for a page served from another host name', async () => {
    const before = calls.length;
    expect((await get(server, '/api/rollouts/fraud-prod/rollback', { method: 'POST' })).status).toBe(405);
    expect((await get(server, '/api/rollouts/fraud-prod/rollback')).status).toBe(404);
    expect((await get(server, '/api/rollouts', { host: 'evil.example:80' })).status).toBe(421);
    expect(calls.length).toBe(before);
  });
});
