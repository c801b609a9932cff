import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiServer, type UiServer } from '../../shared/ui/ui-server';
import {
  createCanaryAlarm,
  createEndpoint,
  type Harness,
  lambdaContext,
  loadScenario,
  MINUTE,
  playTraffic,
  scheduledEvent,
  standardPolicyText,
  startHarness,
} from '../integration/handlers/tick/watchdog-harness';

/** Where the page's screenshots are saved (ignored by git; CI keeps them as artifacts). */
export const ARTIFACT_DIR = resolve(import.meta.dirname, '../../test-artifacts/rollout-page');

/** Debian's chromium (`.ci/run` installs it); no browser is downloaded. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

/**
 * The control API handler behind a plain HTTP server, as API Gateway's payload 2.0 would call it,
 * at the sandbox's simulated time (the page's proxy talks HTTP to it like to a deployed API).
 */
async function serveControlApi(h: Harness, handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://api.local');
      const event = {
        version: '2.0',
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        queryStringParameters: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body: chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : undefined,
        isBase64Encoded: false,
        requestContext: {
          http: { method: req.method ?? 'GET', path: url.pathname },
          requestId: `page-${Math.random().toString(36).slice(2)}`,
          timeEpoch: h.clock.now(),
        },
      };
      void handler(event, lambdaContext('controlApi')).then((out) => {
        const r = out as { statusCode: number; body?: string; headers?: Record<string, string> };
        res.writeHead(r.statusCode, { 'content-type': 'application/json', ...r.headers });
        res.end(r.body ?? '');
      });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('the rollout page in headless Chromium, through rollout-watchdog ui', () => {
  let h: Harness;
  let api: { url: string; server: Server };
  let ui: UiServer;
  let browser: Browser;
  let page: Page;

  /** Starts a rollout through the control API and ticks the real handler until it is final. */
  async function play(endpointName: string, scenarioName: string, maxMinutes: number): Promise<void> {
    const tick = (await import('../../handlers/canary-tick')).handler as Handler;
    const alarmName = `${endpointName}-canary-5xx`;
    await createEndpoint(h, endpointName);
    await createCanaryAlarm(h, endpointName, alarmName);
    const started = await fetch(`${api.url}/rollouts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-rollout-operator': 'alice' },
      body: JSON.stringify({
        endpointName,
        policy: standardPolicyText(endpointName, alarmName),
        reason: 'ship model v2',
      }),
    });
    expect(started.status).toBe(201);
    const traffic = playTraffic(h, loadScenario(scenarioName), endpointName);
    try {
      for (let minute = 0; minute < maxMinutes; minute++) {
        await h.clock.advance(MINUTE);
        await tick(scheduledEvent(h), lambdaContext('canaryTick'));
        const record = await h.store.get(endpointName);
        if (
          record &&
          record.state.phase !== 'Progressing' &&
          record.appliedCanaryWeight === record.state.canaryWeight
        )
          break;
      }
    } finally {
      traffic.stop();
    }
    // A few minutes after the end, so the charts show the canary at its final weight.
    for (let minute = 0; minute < 3; minute++) {
      await h.clock.advance(MINUTE);
      await tick(scheduledEvent(h), lambdaContext('canaryTick'));
    }
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACT_DIR, { recursive: true });
    h = await startHarness('rollout-page');
    h.applyEnv({ POWERTOOLS_LOG_LEVEL: 'SILENT' });
    api = await serveControlApi(h, (await import('../../handlers/control-api')).handler as Handler);
    await play('page-promoted', 'healthy-steady', 70);
    await play('page-rolled-back', 'canary-5xx-spike', 50);
    ui = await startUiServer({ api: api.url, port: 0, refreshSeconds: 2 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  });
  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    api?.server.close();
    await h?.close();
  });

  it('lists every active and recent rollout with its phase, linking to its page', async () => {
    await page.goto(ui.url);
    // The promoted rollout stays active while its baseline retirement is due.
    const rows = page.locator('#active-rollouts tr[data-endpoint], #recent-rollouts tr[data-endpoint]');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await page.locator('tr[data-endpoint="page-promoted"] .phase').textContent()).toBe('Promoted');
    expect(await page.locator('tr[data-endpoint="page-rolled-back"] .phase').textContent()).toBe(
      'RolledBack',
    );
  });

  it('shows a promoted rollout: phase, plan, split, charts with data and every decision marked', async () => {
    await page.click('a[href="#/rollouts/page-promoted"]');
    await page.waitForSelector('#charts .chart canvas');
    expect(await page.locator('#phase').textContent()).toContain('Promoted');
    expect(await page.locator('#step').textContent()).toContain('past the last step');
    expect(await page.locator('#weights').textContent()).toMatch(/canary 100%/);
    expect(await page.locator('#endpoint').textContent()).toContain('InService');
    expect(await page.locator('#charts .chart').count()).toBe(3);
    // The charts come from CloudWatch, one point per minute of the rollout.
    expect(await page.locator('#series-source').textContent()).toContain('CloudWatch, per 60s');
    const traffic = page.locator('#charts .chart').first();
    const markers = traffic.locator('.decision-marker');
    const kinds = await markers.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    const actions = await markers.evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
    expect(kinds[0]).toBe('start');
    expect(actions.filter((a) => a === 'advance').length).toBeGreaterThanOrEqual(2);
    expect(actions).toContain('promote');
    // uPlot's legend shows the series it drew.
    expect(await traffic.locator('.u-legend').textContent()).toContain('canary');
    await traffic.locator('.decision-marker.promote').hover();
    const tip = page.locator('#tooltip');
    await expect.poll(() => tip.isVisible()).toBe(true);
    expect(await tip.textContent()).toMatch(/promote.*Promoted.*canary 100%/s);
    expect(await page.locator('#history tr.entry-decision').count()).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: join(ARTIFACT_DIR, 'rollout-promoted.png'), fullPage: true });
  });

  it('shows a rolled-back rollout with the failing judgements and the rollback, reason and numbers on hover', async () => {
    await page.goto(`${ui.url}#/rollouts/page-rolled-back`);
    await page.waitForSelector('#charts .decision-marker.rollback');
    expect(await page.locator('#phase').textContent()).toContain('RolledBack');
    expect(await page.locator('#weights').textContent()).toMatch(/canary 0%/);
    const traffic = page.locator('#charts .chart').first();
    await traffic.locator('.decision-marker.rollback').hover();
    const tip = page.locator('#tooltip');
    await expect.poll(() => tip.isVisible()).toBe(true);
    const text = (await tip.textContent()) ?? '';
    expect(text).toMatch(/rollback.*RolledBack/s);
    // The numbers behind the decision: requests, error rate and p99 per variant.
    expect(text).toMatch(/canary\s*\d+\s*\d+\.\d+%/);
    // The canary's error rate is on the chart: some point well above the baseline's.
    const errorChart = page.locator('#charts .chart').nth(1);
    expect(await errorChart.locator('canvas').count()).toBe(1);
    expect(await page.locator('#history').textContent()).toContain('ship model v2');
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(ARTIFACT_DIR, 'rollout-rolled-back.png'), fullPage: true });
  });
});
