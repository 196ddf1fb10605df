/**
 * The dashboard page: one server-sent event stream of readings (/dashboard/events) drives the graph, the selected
 * component's tasks, the over-time chart and doctor's findings. Read-only: the page only reads.
 */
import type { DashUpdate, DashboardState } from '../types.js';
import { OverTime } from './chart.js';
import { renderDetails } from './details.js';
import { duration, el, millis, rate } from './format.js';
import { GraphView } from './graph.js';
import { renderPlan } from './plan.js';
import { WhatIf } from './what-if.js';

let state: DashboardState | null = null;
let selected: string | null = null;

const $ = (id: string): HTMLElement => document.getElementById(id)!;

const graph = new GraphView($('graph') as unknown as SVGSVGElement, (id) => {
  selected = id;
  graph.select(id);
  renderDetails($('details'), state?.components.find((c) => c.id === id));
});
const chart = new OverTime($('chart'));
const whatIf = new WhatIf($('what-if'));

function render(s: DashboardState): void {
  state = s;
  $('topology').textContent = `${s.topology} · ${s.source} · up ${duration(s.uptimeSecs)}`;
  $('topology').dataset['uptime'] = String(s.uptimeSecs ?? '');
  $('topology').dataset['at'] = String(s.at);
  $('topology').dataset['window'] = String(s.windowSecs ?? '');
  $('totals').textContent = `acked ${rate(s.totals.ackedPerSec)}/s · failed ${rate(s.totals.failedPerSec)}/s · complete latency ${millis(s.totals.completeLatencyMs)} (over ${duration(s.windowSecs)})`;
  graph.render(s);
  if (selected) renderDetails($('details'), s.components.find((c) => c.id === selected));
  const findings = s.findings.map((f) =>
    el(
      'li',
      { 'data-kind': f.kind },
      el('span', { class: 'kind' }, f.kind + (f.component ? ` · ${f.component}` : '')),
      ' ',
      f.message,
      el('div', { class: 'evidence' }, Object.entries(f.evidence).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'number' ? +v.toPrecision(4) : v}`).join(' · ')),
    ),
  );
  const notes = [...s.coarse.map((c) => `coarse: ${c}`), ...s.missing.map((m) => `no figures yet: ${m}`)].map((n) => el('li', { class: 'muted' }, n));
  $('finding-list').replaceChildren(...(findings.length ? findings : [el('li', {}, 'Nothing holds this topology back at its current load.')]), ...notes);
  renderPlan($('plan'), s.plan);
  whatIf.render(s);
  document.body.dataset['ready'] = 'true';
}

function problem(message: string | null): void {
  const box = $('problem');
  box.hidden = message === null;
  box.textContent = message ?? '';
}

const events = new EventSource('/dashboard/events');
events.addEventListener('update', (ev) => {
  const update = JSON.parse((ev as MessageEvent<string>).data) as DashUpdate;
  problem(null);
  render(update.state);
  chart.add(update.history);
});
events.addEventListener('problem', (ev) => problem(`Could not read the topology: ${(JSON.parse((ev as MessageEvent<string>).data) as { message: string }).message}`));
events.addEventListener('error', () => problem(events.readyState === EventSource.CLOSED ? 'The dashboard’s server is gone.' : 'Reconnecting to the dashboard’s server …'));
