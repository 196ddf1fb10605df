/**
 * What if: tasks and concurrency per component, the topology's max.spout.pending and the rate the sources offer,
 * predicted here in the browser with doctor's own model (src/doctor/model.ts, bundled: it does no I/O), current
 * and predicted side by side, with the command that would apply the change (the page itself changes nothing).
 */
import type { Change } from '../../doctor/figures.js';
import { predict } from '../../doctor/model.js';
import { predictionOf } from '../prediction.js';
import type { DashPrediction, DashboardState } from '../types.js';
import { el, heat, millis, percent, rate } from './format.js';

export class WhatIf {
  private shape = '';
  private state: DashboardState | null = null;
  /** Inputs the user changed keep their value across readings; the others follow the topology. */
  private readonly edited = new Set<HTMLInputElement>();
  private commandAsked = '';

  constructor(private readonly root: HTMLElement) {}

  render(state: DashboardState): void {
    this.state = state;
    const shape = JSON.stringify(state.figures.components.map((c) => [c.id, c.kind]));
    if (shape !== this.shape) this.build(state);
    this.shape = shape;
    const f = state.figures;
    for (const c of f.components) {
      this.follow(this.input('tasks', c.id), c.tasks);
      if (c.kind === 'bolt') this.follow(this.input('concurrency', c.id), c.concurrency);
    }
    this.follow(this.root.querySelector<HTMLInputElement>('#what-if-pending')!, f.maxSpoutPending);
    this.update();
  }

  /** The change the inputs describe: only what differs from now. */
  change(): Change {
    const f = this.state!.figures;
    const tasks: Record<string, number> = {};
    const concurrency: Record<string, number> = {};
    for (const c of f.components) {
      const t = whole(this.input('tasks', c.id).value);
      if (t !== null && t !== c.tasks) tasks[c.id] = t;
      if (c.kind === 'bolt') {
        const k = whole(this.input('concurrency', c.id).value);
        if (k !== null && k !== c.concurrency) concurrency[c.id] = k;
      }
    }
    const change: Change = { tasks, concurrency };
    const pendingText = this.root.querySelector<HTMLInputElement>('#what-if-pending')!.value.trim();
    const pending = pendingText === '' ? null : whole(pendingText);
    if (pending !== f.maxSpoutPending && (pendingText === '' || pending !== null)) change.maxSpoutPending = pending;
    const offered = Number(this.root.querySelector<HTMLInputElement>('#what-if-offered')!.value);
    if (offered > 0) change.offeredRate = offered;
    return change;
  }

  private build(state: DashboardState): void {
    const onInput = (ev: Event) => {
      this.edited.add(ev.target as HTMLInputElement);
      this.update();
    };
    const number = (attrs: Record<string, string | number>) => {
      const input = el('input', { type: 'number', min: 1, step: 1, ...attrs });
      input.addEventListener('input', onInput);
      return input;
    };
    const rows = state.figures.components.map((c) =>
      el(
        'tr',
        { 'data-component': c.id },
        el('td', {}, c.id),
        el('td', {}, number({ 'data-tasks': c.id, 'aria-label': `tasks of ${c.id}` })),
        el('td', {}, c.kind === 'bolt' ? number({ 'data-concurrency': c.id, 'aria-label': `concurrency of ${c.id}` }) : '–'),
        el('td', { class: 'now' }),
        el('td', { class: 'predicted' }),
      ),
    );
    const offered = number({ id: 'what-if-offered', placeholder: 'as fast as it goes', 'aria-label': 'root tuples per second offered' });
    const pending = number({ id: 'what-if-pending', placeholder: 'none', 'aria-label': 'topology.max.spout.pending' });
    this.root.replaceChildren(
      el('h2', {}, 'What if'),
      el(
        'table',
        { class: 'what-if' },
        el('thead', {}, el('tr', {}, ...['component', 'tasks', 'concurrency', 'busiest now', 'predicted'].map((h) => el('th', {}, h)))),
        el('tbody', {}, ...rows),
      ),
      el('p', {}, el('label', {}, 'max.spout.pending ', pending), ' ', el('label', {}, 'offered roots/s ', offered)),
      el('p', { id: 'what-if-summary' }),
      el('p', {}, el('code', { id: 'what-if-command' })),
    );
    this.edited.clear();
  }

  private update(): void {
    const s = this.state!;
    const change = this.change();
    const now = predictionOf(predict(s.figures));
    const then = predictionOf(predict(s.figures, change));
    for (const c of s.figures.components) {
      const row = this.root.querySelector(`tr[data-component="${CSS.escape(c.id)}"]`)!;
      cell(row.querySelector('.now')!, now.components.find((x) => x.id === c.id)?.utilization ?? null);
      cell(row.querySelector('.predicted')!, then.components.find((x) => x.id === c.id)?.utilization ?? null);
    }
    const summary = this.root.querySelector<HTMLElement>('#what-if-summary')!;
    summary.dataset['currentRate'] = String(now.rate);
    summary.dataset['predictedRate'] = String(then.rate);
    summary.replaceChildren(`Now ${describe(now)}. Predicted ${describe(then)}.`);
    void this.command(change);
  }

  private async command(change: Change): Promise<void> {
    const { offeredRate: _offered, ...applied } = change;
    const asked = JSON.stringify(applied);
    if (asked === this.commandAsked) return;
    this.commandAsked = asked;
    const box = this.root.querySelector<HTMLElement>('#what-if-command')!;
    const res = await fetch(`/dashboard/command?change=${encodeURIComponent(asked)}`);
    const body = (await res.json()) as { command?: string | null; error?: string; unavailable?: string };
    if (asked !== this.commandAsked) return; // a newer change was asked for meanwhile
    box.textContent = !res.ok ? `cannot apply: ${body.error}` : (body.unavailable ?? body.command ?? 'no change to apply');
  }

  private input(kind: 'tasks' | 'concurrency', id: string): HTMLInputElement {
    return this.root.querySelector<HTMLInputElement>(`input[data-${kind}="${CSS.escape(id)}"]`)!;
  }

  private follow(input: HTMLInputElement, value: number | null): void {
    if (!this.edited.has(input)) input.value = value === null ? '' : String(value);
  }
}

function describe(p: DashPrediction): string {
  const limit = p.limitedBy === 'sources' ? 'the sources' : p.limitedBy === 'pending' ? 'max.spout.pending' : `${p.bottleneck ?? 'a component'} saturating`;
  return `${rate(p.rate)} trees/s, complete latency ${p.completeLatencySecs === null ? 'unbounded' : millis(p.completeLatencySecs * 1000)}, held by ${limit}`;
}

function cell(td: Element, u: number | null): void {
  td.replaceChildren(el('span', { class: 'swatch', style: `background:${heat(u)}` }), percent(u));
  td.setAttribute('data-utilization', u === null ? '' : String(u));
}

function whole(text: string): number | null {
  const n = Number(text);
  return text.trim() !== '' && Number.isInteger(n) && n >= 1 ? n : null;
}
