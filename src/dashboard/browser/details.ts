/** A component's tasks, as a table: what each task measured of itself, and where it runs. */
import type { DashComponent } from '../types.js';
import { el, heat, millis, percent, rate } from './format.js';

export function renderDetails(root: HTMLElement, c: DashComponent | undefined): void {
  if (!c) {
    root.replaceChildren(el('p', { class: 'hint' }, 'Click a component to see its tasks.'));
    return;
  }
  const streams = [...new Set(c.taskRows.flatMap((t) => Object.keys(t.emitted)))].sort();
  const head = el(
    'tr',
    {},
    ...['task', 'utilization', 'service', 'cpu', c.kind === 'spout' ? 'roots' : 'executed', 'per sec', ...streams.map((s) => `emitted ${s}`), 'failed', 'host:port'].map((h) => el('th', {}, h)),
  );
  const rows = c.taskRows.map((t) =>
    el(
      'tr',
      { 'data-task': t.task, 'data-utilization': t.utilization ?? '', 'data-measured-at': t.measuredAt ?? '', 'data-rate-per-sec': t.ratePerSec ?? '' },
      el('td', {}, String(t.task)),
      el('td', {}, el('span', { class: 'swatch', style: `background:${heat(t.utilization)}` }), percent(t.utilization)),
      el('td', {}, millis(t.serviceMs)),
      el('td', {}, millis(t.cpuMs)),
      el('td', {}, t.executed === null ? '–' : String(t.executed)),
      el('td', {}, rate(t.ratePerSec)),
      ...streams.map((s) => el('td', {}, String(t.emitted[s] ?? 0))),
      el('td', {}, t.failed === null ? '–' : String(t.failed)),
      el('td', { class: 'text' }, t.host ?? '–'),
    ),
  );
  const waiting = c.serviceMs !== null && c.cpuMs !== null ? ` (cpu ${millis(c.cpuMs)}, waiting ${millis(Math.max(0, c.serviceMs - c.cpuMs))})` : '';
  const parts: Node[] = [
    el('h2', {}, `${c.id} (${c.kind}): ${c.tasks} tasks, ${c.executors} executors${c.concurrency > 1 ? `, concurrency ${c.concurrency}` : ''}`),
    el('p', {}, `Per tuple ${millis(c.serviceMs)}${waiting}. ${c.measured ? 'Measured inside each task over its latest interval.' : 'No measurements from its tasks: the UI’s counts only.'}`),
    el('table', { id: 'tasks', 'data-component': c.id }, el('thead', {}, head), el('tbody', {}, ...rows)),
  ];
  if (c.taskRows.length === 0) parts.push(el('p', { class: 'muted' }, 'No task has reported yet.'));
  if (c.source) {
    const s = c.source;
    const count = (x: number | null): string => (x === null ? '–' : String(x));
    const growth = s.lagGrowthPerSec === null ? '' : ` (${s.lagGrowthPerSec >= 0 ? '+' : ''}${rate(s.lagGrowthPerSec)}/s)`;
    parts.push(
      el('h2', {}, `Source: ${s.kind} "${s.name}"`),
      el(
        'p',
        { id: 'source', 'data-lag': s.lag ?? '', 'data-pending': s.pending ?? '', 'data-replayed-per-sec': s.replayedPerSec, 'data-dead-lettered': s.deadLettered },
        `lag ${count(s.lag)}${growth}, pending ${count(s.pending)}; read ${rate(s.readPerSec)}/s, replayed ${rate(s.replayedPerSec)}/s, ` +
          `dead-lettered ${s.deadLettered} in the last ${Math.round(s.windowSecs)} s`,
      ),
    );
  }
  if (c.hotKeys.length > 0) {
    parts.push(el('h2', {}, 'Hot keys (fields grouping)'), el('ol', { class: 'keys' }, ...c.hotKeys.map((k) => el('li', {}, `${k.key}: ${percent(k.share)} of the input`))));
  }
  parts.push(el('p', { class: 'muted' }, `Last error: ${c.lastError ?? 'none'}`));
  root.replaceChildren(...parts);
}
