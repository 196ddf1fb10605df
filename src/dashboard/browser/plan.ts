/** Doctor's plan on the latest reading: what to change for its target, the prediction, and the exact command. */
import type { DashPlan } from '../types.js';
import { el, millis, rate } from './format.js';

export function renderPlan(root: HTMLElement, p: DashPlan): void {
  const changed = p.components.filter((c) => c.tasks.planned !== c.tasks.now || c.concurrency.planned !== c.concurrency.now || c.executors.planned !== c.executors.now);
  const latency = p.predicted.completeLatencySecs === null ? 'unbounded' : millis(p.predicted.completeLatencySecs * 1000);
  const lines: Node[] = [
    el('h2', {}, 'Plan'),
    el('p', { 'data-target': p.target, 'data-predicted-rate': p.predicted.rate }, `For ${rate(p.target)} trees/s with every task at most ${Math.round(p.utilization * 100)}% busy: predicted ${rate(p.predicted.rate)} trees/s, complete latency ${latency}.`),
  ];
  if (p.unchanged) lines.push(el('p', {}, 'Nothing to change: the topology carries the target as it is.'));
  else {
    const items = changed.map((c) =>
      el('li', {}, `${c.id}: tasks ${c.tasks.now} → ${c.tasks.planned}` + (c.concurrency.planned !== c.concurrency.now ? `, concurrency ${c.concurrency.now} → ${c.concurrency.planned}` : '')),
    );
    if (p.maxSpoutPending.planned !== p.maxSpoutPending.now) items.push(el('li', {}, `max.spout.pending ${p.maxSpoutPending.now ?? 'none'} → ${p.maxSpoutPending.planned ?? 'none'}`));
    if (p.workers.planned !== p.workers.now) items.push(el('li', {}, `workers ${p.workers.now} → ${p.workers.planned}`));
    lines.push(el('ul', {}, ...items), el('p', {}, el('code', { id: 'plan-command' }, p.command ?? '')));
  }
  for (const caveat of p.caveats) lines.push(el('p', { class: 'muted' }, caveat));
  root.replaceChildren(...lines);
}
