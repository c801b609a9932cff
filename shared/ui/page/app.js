/* global uPlot, document, window, fetch, location, setTimeout, clearTimeout */
// The rollout page: a list of rollouts and one rollout's timeline, served by `rollout-watchdog ui`.
// Plain browser JavaScript with no build step; the charts are uPlot's, served from node_modules by
// the same server. Every call goes to that server's /api, which signs it for the control API.
(function () {
  'use strict';

  const REFRESH_MS = Math.max(1, Number(document.body.dataset.refreshSeconds) || 5) * 1000;
  const COLORS = { baseline: '#3b6fd8', canary: '#e0662b' };
  const view = document.getElementById('view');
  const crumb = document.getElementById('crumb');
  const refreshed = document.getElementById('refreshed');
  const tooltip = document.getElementById('tooltip');
  let timer;
  let charts = [];
  let shown = '';

  const esc = (value) =>
    String(value ?? '').replace(
      /[&<>"']/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
    );
  const time = (iso) =>
    iso
      ? String(iso)
          .replace('T', ' ')
          .replace(/\.\d+Z$|Z$/, ' UTC')
      : '';
  const clock = (iso) => (iso ? String(iso).slice(11, 19) : '');
  const pct = (v, digits = 2) => (v === null || v === undefined ? '-' : `${(v * 100).toFixed(digits)}%`);
  const ms = (v) => (v === null || v === undefined ? '-' : `${Math.round(v)} ms`);
  const phase = (p) => `<span class="phase phase-${esc(p)}">${esc(p)}</span>`;

  async function api(path) {
    const response = await fetch(`/api${path}`, { headers: { accept: 'application/json' } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
    return body;
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, REFRESH_MS);
  }

  async function refresh(force) {
    const match = /^#\/rollouts\/([^/]+)$/.exec(location.hash);
    try {
      if (match) await showRollout(decodeURIComponent(match[1]), force);
      else await showList(force);
      refreshed.textContent = `refreshed ${new Date().toISOString().slice(11, 19)} UTC, every ${REFRESH_MS / 1000}s`;
    } catch (error) {
      view.innerHTML = `<p class="error">Could not load: ${esc(error.message)}</p>`;
      shown = '';
    }
    schedule();
  }

  /** Replaces the view only when what it shows changed, so a refresh does not flicker or lose a hover. */
  function render(key, html, after) {
    if (key === shown) return;
    shown = key;
    charts.forEach((c) => c.destroy());
    charts = [];
    tooltip.hidden = true;
    view.innerHTML = html;
    if (after) after();
  }

  // ---- the list -------------------------------------------------------------------------------

  function rolloutRows(rollouts) {
    if (rollouts.length === 0) return '<tr><td colspan="7" class="muted">none</td></tr>';
    return rollouts
      .map(
        (r) => `<tr data-endpoint="${esc(r.endpointName)}">
          <td><a href="#/rollouts/${encodeURIComponent(r.endpointName)}">${esc(r.endpointName)}</a></td>
          <td>${phase(r.phase)}</td>
          <td>${esc(r.step ?? 'past the last step')} <span class="muted">(${Math.min(r.stepIndex + 1, r.stepCount)}/${r.stepCount})</span></td>
          <td class="num">${esc(r.weights[r.canaryVariant])}%</td>
          <td>${esc(time(r.startedAt))}</td>
          <td>${esc(time(r.updatedAt))}</td>
          <td>${esc(r.message)}</td>
        </tr>`,
      )
      .join('');
  }

  async function showList(force) {
    crumb.textContent = '';
    const list = await api('/rollouts');
    const head =
      '<tr><th>endpoint</th><th>phase</th><th>step</th><th>canary</th><th>started</th><th>updated</th><th>last decision</th></tr>';
    render(
      force ? Math.random() : JSON.stringify(list),
      `<h1>Rollouts</h1>
      <section class="card"><h2>Active</h2><table id="active-rollouts">${head}${rolloutRows(list.active)}</table></section>
      <section class="card"><h2>Recent</h2><table id="recent-rollouts">${head}${rolloutRows(list.recent)}</table>
      ${list.recentError ? `<p class="error">${esc(list.recentError)}</p>` : ''}</section>`,
    );
  }

  // ---- one rollout ----------------------------------------------------------------------------

  /** The history entries worth a mark on the timeline: every decision that changed something, and failing judgements. */
  function isMarked(e) {
    if (e.kind === 'start' || e.kind === 'command') return true;
    if (e.kind !== 'decision') return false;
    if (e.action && e.action !== 'hold' && e.action !== 'inconclusive') return true;
    return (e.evidence?.metrics ?? []).some((m) => m.verdict === 'fail');
  }

  function markerClass(e) {
    if (e.phase === 'RolledBack' || e.action === 'rollback') return 'rollback';
    if (e.phase === 'Promoted' || e.action === 'promote') return 'promote';
    if (e.action === 'pause') return 'pause';
    return (e.evidence?.metrics ?? []).some((m) => m.verdict === 'fail') ? 'failing' : 'other';
  }

  function tooltipHtml(e, status) {
    const ev = e.evidence;
    const rows = ev
      ? [
          ['', 'requests', 'error rate', 'p99'],
          [
            status.baselineVariant,
            ev.baseline.invocations,
            pct(ev.baseline.errorRate),
            ms(ev.baseline.latencyP99Ms),
          ],
          [status.canaryVariant, ev.canary.invocations, pct(ev.canary.errorRate), ms(ev.canary.latencyP99Ms)],
        ]
          .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
          .join('')
      : '';
    const failing = (ev?.metrics ?? [])
      .filter((m) => m.verdict !== 'pass')
      .map((m) => `<div>${esc(m.name)}: ${esc(m.verdict)} (${esc(m.reason)})</div>`)
      .join('');
    const window = ev?.windowStart
      ? `<div class="muted">window ${esc(clock(new Date(ev.windowStart).toISOString()))}-${esc(clock(new Date(ev.windowEnd).toISOString()))}</div>`
      : '';
    return `<b>${esc(e.action ?? e.kind)}</b> · ${esc(e.phase)} · canary ${esc(e.canaryWeight)}% · ${esc(e.source)}<br>
      <span class="muted">${esc(time(e.time))}</span>
      <p>${esc(e.reason)}</p>${window}${rows ? `<table>${rows}</table>` : ''}${failing}`;
  }

  function placeMarkers(u, decisions, status) {
    u.over.querySelectorAll('.decision-marker').forEach((m) => m.remove());
    for (const e of decisions) {
      const left = u.valToPos(Date.parse(e.time) / 1000, 'x');
      if (!(left >= 0 && left <= u.over.clientWidth)) continue;
      const marker = document.createElement('div');
      marker.className = `decision-marker ${markerClass(e)}`;
      marker.style.left = `${left}px`;
      marker.dataset.action = e.action ?? e.kind;
      marker.dataset.kind = e.kind;
      marker.dataset.time = e.time;
      marker.addEventListener('mouseenter', (event) => {
        tooltip.innerHTML = tooltipHtml(e, status);
        tooltip.hidden = false;
        const x = Math.min(event.clientX + 14, window.innerWidth - 440);
        tooltip.style.left = `${Math.max(8, x)}px`;
        tooltip.style.top = `${Math.max(8, event.clientY - 20)}px`;
      });
      marker.addEventListener('mouseleave', () => {
        tooltip.hidden = true;
      });
      u.over.appendChild(marker);
    }
  }

  /** Per-variant series from the metrics route, or from the judgements' evidence when CloudWatch was not readable. */
  function variantSeries(status, metrics, entries) {
    if (metrics && metrics.points.length > 0) {
      const pick = (p, variant, field) => p.variants[variant]?.[field] ?? null;
      return {
        source: `CloudWatch, per ${metrics.periodSeconds}s`,
        x: metrics.points.map((p) => Date.parse(p.time) / 1000),
        errors: [status.baselineVariant, status.canaryVariant].map((v) =>
          metrics.points.map((p) =>
            pick(p, v, 'errorRate') === null ? null : pick(p, v, 'errorRate') * 100,
          ),
        ),
        p99: [status.baselineVariant, status.canaryVariant].map((v) =>
          metrics.points.map((p) => pick(p, v, 'latencyP99Ms')),
        ),
      };
    }
    const judged = entries.filter((e) => e.evidence?.windowEnd);
    return {
      source: 'judgement windows from history',
      x: judged.map((e) => e.evidence.windowEnd / 1000),
      errors: ['baseline', 'canary'].map((v) =>
        judged.map((e) => (e.evidence[v].errorRate === null ? null : e.evidence[v].errorRate * 100)),
      ),
      p99: ['baseline', 'canary'].map((v) => judged.map((e) => e.evidence[v].latencyP99Ms)),
    };
  }

  function makeChart(target, title, x, series, yLabel, range, decisions, status, stepped) {
    const holder = document.createElement('div');
    holder.className = 'chart';
    holder.dataset.chart = title;
    target.appendChild(holder);
    const width = Math.max(320, target.clientWidth - 4);
    const opts = {
      width,
      height: stepped ? 150 : 170,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      cursor: { sync: { key: 'rollout' } },
      legend: { live: true },
      scales: { x: { time: true, range: () => range } },
      axes: [{}, { label: yLabel, size: 60 }],
      series: [
        { label: 'time (UTC)' },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          spanGaps: false,
          ...(stepped ? { paths: uPlot.paths.stepped({ align: 1 }), fill: `${s.color}22` } : {}),
          value: (u, v) =>
            v === null || v === undefined ? '-' : `${Number(v).toFixed(s.digits ?? 1)}${s.unit ?? ''}`,
        })),
      ],
      hooks: { draw: [(u) => placeMarkers(u, decisions, status)] },
    };
    const title_ = document.createElement('p');
    title_.className = 'chart-title';
    title_.textContent = title;
    holder.appendChild(title_);
    const chart = new uPlot(opts, [x, ...series.map((s) => s.data)], holder);
    charts.push(chart);
  }

  function trafficSeries(status, entries, until) {
    const x = [];
    const canary = [];
    for (const e of entries) {
      if (e.kind === 'endpoint' || e.kind === 'alert') continue;
      x.push(Date.parse(e.time) / 1000);
      canary.push(e.canaryWeight);
    }
    const current = status.weights[status.canaryVariant];
    if (x.length === 0 || until > x[x.length - 1]) {
      x.push(until);
      canary.push(current);
    }
    return { x, canary, baseline: canary.map((c) => 100 - c) };
  }

  function facts(status) {
    const steps = Array.from(
      { length: status.stepCount },
      (_, i) =>
        `<span class="${i < status.stepIndex ? 'done' : i === status.stepIndex ? 'current' : ''}"></span>`,
    ).join('');
    const ep = status.endpoint;
    const runs = ep.runs
      ? `<table><tr><th>variant</th><th>model</th><th>instances</th></tr>${ep.runs.variants
          .map(
            (v) =>
              `<tr><td>${esc(v.variantName)}</td><td>${esc(v.modelName ?? '-')}</td><td>${esc(v.instanceCount ?? '-')} × ${esc(v.instanceType ?? '-')}</td></tr>`,
          )
          .join('')}</table><div class="muted">config ${esc(ep.runs.configName ?? '-')}${
          ep.runs.pendingConfigName ? `, deploying ${esc(ep.runs.pendingConfigName)}` : ''
        }</div>`
      : '';
    const endpoint =
      'error' in ep
        ? `<span class="error">${esc(ep.error)}</span>`
        : `${esc(ep.status)}: ${Object.entries(ep.weights)
            .map(([k, v]) => `${esc(k)} ${esc(v)}`)
            .join(
              ', ',
            )}${ep.failureReason ? `<div class="error">${esc(ep.failureReason)}</div>` : ''}${runs}`;
    const regions = status.regions?.length
      ? `<section class="card" id="regions"><h2>Regions</h2><table><tr><th>region</th><th>endpoint</th><th>status</th><th>attempts</th></tr>${status.regions
          .map(
            (r) =>
              `<tr><td>${esc(r.region)}</td><td>${esc(r.targetEndpointName)}</td><td>${esc(r.status)}${
                r.lastError ? `<div class="error">${esc(r.lastError)}</div>` : ''
              }${r.drift ? `<div class="error">${esc(r.drift)}</div>` : ''}</td><td class="num">${esc(r.attempts)}</td></tr>`,
          )
          .join('')}</table></section>`
      : '';
    return `<section class="card" id="facts"><dl class="facts">
        <dt>phase</dt><dd id="phase">${phase(status.phase)}${status.pauseCause ? ` <span class="muted">(${esc(status.pauseCause)})</span>` : ''}</dd>
        <dt>step of the plan</dt><dd id="step">${status.blueGreen ? "SageMaker's blue/green deployment moves the traffic" : status.step === null ? 'past the last step' : `step ${status.stepIndex + 1} of ${status.stepCount}: ${esc(status.step)}`}<div class="steps">${steps}</div></dd>
        <dt>traffic</dt><dd id="weights"><span class="legend-dot" style="background:${COLORS.baseline}"></span>${esc(status.baselineVariant)} ${esc(status.weights[status.baselineVariant])}%
          &nbsp;<span class="legend-dot" style="background:${COLORS.canary}"></span>${esc(status.canaryVariant)} ${esc(status.weights[status.canaryVariant])}%${status.pendingWeights ? ' <span class="muted">(being applied)</span>' : ''}</dd>
        <dt>last decision</dt><dd id="last-decision">${esc(status.message)}</dd>
        <dt>started</dt><dd>${esc(time(status.startedAt))}</dd>
        <dt>endpoint</dt><dd id="endpoint">${endpoint}</dd>
        ${status.endpointChange ? `<dt>endpoint change</dt><dd id="endpoint-change">${esc(status.endpointChange.description)}</dd>` : ''}
        ${status.shadow ? `<dt>shadow</dt><dd id="shadow">${esc(status.shadow.description)}</dd>` : ''}
        ${status.blueGreen ? `<dt>blue/green</dt><dd id="blue-green">${esc(status.blueGreen.description)}</dd>` : ''}
        ${status.gate ? `<dt>gate</dt><dd id="gate" class="error">${esc(status.gate.description)}</dd>` : ''}
      </dl></section>${regions}`;
  }

  function historyTable(entries) {
    const rows = [...entries]
      .reverse()
      .map(
        (
          e,
        ) => `<tr class="entry-${esc(e.kind)}"><td>${esc(time(e.time))}</td><td>${esc(e.source)}</td><td>${esc(e.action ?? e.kind)}</td>
          <td>${phase(e.phase)}</td><td class="num">${esc(e.canaryWeight)}%</td><td class="reason">${esc(e.reason)}</td></tr>`,
      )
      .join('');
    return `<section class="card"><h2>History</h2><div class="history"><table id="history">
      <tr><th>time</th><th>source</th><th>action</th><th>phase</th><th>canary</th><th>reason</th></tr>${rows}</table></div></section>`;
  }

  async function showRollout(endpointName, force) {
    crumb.innerHTML = `/ <a href="#/rollouts/${encodeURIComponent(endpointName)}" style="color:#fff">${esc(endpointName)}</a>`;
    const [status, history, metrics] = await Promise.all([
      api(`/rollouts/${encodeURIComponent(endpointName)}`),
      api(`/rollouts/${encodeURIComponent(endpointName)}/history`),
      api(`/rollouts/${encodeURIComponent(endpointName)}/metrics`).catch((error) => ({
        error: error.message,
      })),
    ]);
    const entries = history.entries.filter((e) => e.rolloutId === status.rolloutId).reverse();
    const decisions = entries.filter(isMarked);
    const metricsOk = metrics && !metrics.error ? metrics : null;
    const from = Math.min(
      Date.parse(status.startedAt) / 1000,
      ...(entries.length ? [Date.parse(entries[0].time) / 1000] : []),
      ...(metricsOk?.points.length ? [Date.parse(metricsOk.points[0].time) / 1000] : []),
    );
    const until = Math.max(
      ...(metricsOk ? [Date.parse(metricsOk.until) / 1000] : []),
      ...(entries.length ? [Date.parse(entries[entries.length - 1].time) / 1000] : []),
      from + 60,
    );
    const range = [from - 30, until + 30];
    const html = `<h1>${esc(endpointName)} ${phase(status.phase)}</h1>
      <p class="muted">rollout ${esc(status.rolloutId)} in ${esc(status.region)}</p>
      <div class="layout">
        <div>
          <section class="card" id="charts"><h2>Timeline <span class="muted" id="series-source"></span></h2></section>
          ${metrics.error ? `<p class="muted" id="metrics-error">CloudWatch metrics: ${esc(metrics.error)}</p>` : ''}
          ${historyTable(entries)}
        </div>
        <div>${facts(status)}</div>
      </div>`;
    render(force ? Math.random() : JSON.stringify([status, history, metrics]), html, () => {
      const target = document.getElementById('charts');
      const traffic = trafficSeries(status, entries, until);
      const v = variantSeries(status, metricsOk, entries);
      document.getElementById('series-source').textContent = `(error rate and p99: ${v.source})`;
      const variants = (data, unit, digits) => [
        { label: status.baselineVariant, color: COLORS.baseline, data: data[0], unit, digits },
        { label: status.canaryVariant, color: COLORS.canary, data: data[1], unit, digits },
      ];
      makeChart(
        target,
        'Traffic split (%)',
        traffic.x,
        variants([traffic.baseline, traffic.canary], '%', 0),
        '% traffic',
        range,
        decisions,
        status,
        true,
      );
      makeChart(
        target,
        'Error rate (5XX, %)',
        v.x,
        variants(v.errors, '%', 2),
        'error %',
        range,
        decisions,
        status,
        false,
      );
      makeChart(
        target,
        'p99 latency (ms)',
        v.x,
        variants(v.p99, ' ms', 0),
        'ms',
        range,
        decisions,
        status,
        false,
      );
    });
  }

  window.addEventListener('hashchange', () => {
    shown = '';
    refresh(true);
  });
  let resizeTimer;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => refresh(true), 200);
  });
  refresh(true);
})();
