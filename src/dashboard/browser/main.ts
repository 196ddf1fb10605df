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
  const began = performance.now();
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
  // For the bench: how long this render took, and when it ended (ms since the page began loading).
  document.body.dataset['renderMs'] = String(performance.now() - began);
  document.body.dataset['renderedAt'] = String(performance.now());
}

function problem(message: string | null): void {
  const box = $('problem');
  box.hidden = message === null;
  box.textContent = message ?? '';
}

/** Live: every reading as it comes, over server-sent events. */
function live(): void {
  const events = new EventSource('/dashboard/events');
  events.addEventListener('update', (ev) => {
    const update = JSON.parse((ev as MessageEvent<string>).data) as DashUpdate;
    problem(null);
    render(update.state);
    chart.add(update.history);
  });
  events.addEventListener('problem', (ev) => problem(`Could not read the topology: ${(JSON.parse((ev as MessageEvent<string>).data) as { message: string }).message}`));
  events.addEventListener('error', () => problem(events.readyState === EventSource.CLOSED ? 'The dashboard’s server is gone.' : 'Reconnecting to the dashboard’s server …'));
}

/** A replay (squall ui --replay): a slider over the recorded moments, each shown as it was read. */
function replay(file: string, moments: number[]): void {
  const slider = el('input', { type: 'range', id: 'moment', min: 0, max: moments.length - 1, step: 1, value: moments.length - 1, 'aria-label': 'recorded moment' });
  const label = el('span', { id: 'moment-label' });
  $('head').append(el('span', { class: 'replay' }, `replay of ${file}: `, slider, ' ', label));
  let asked = 0;
  const show = async (): Promise<void> => {
    const at = moments[Number(slider.value)]!;
    const ask = ++asked;
    label.textContent = `${new Date(at).toISOString().replace('T', ' ').slice(0, 19)} UTC (${Number(slider.value) + 1} of ${moments.length})`;
    const res = await fetch(`/dashboard/state?at=${at}`);
    if (ask !== asked) return; // the slider moved on meanwhile
    if (!res.ok) return problem(`No record at that moment: ${((await res.json()) as { error: string }).error}`);
    const update = (await res.json()) as DashUpdate;
    problem(null);
    render(update.state);
    chart.reset(update.history);
  };
  slider.addEventListener('input', () => void show());
  void show();
}

void fetch('/dashboard/replay').then(async (res) => {
  const { file, moments } = (await res.json()) as { file: string | null; moments: number[] };
  if (file === null || moments.length === 0) live();
  else replay(file, moments);
});
