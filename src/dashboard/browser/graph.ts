/**
 * The topology as a graph, left to right, laid out by dagre: each component a box coloured by its busiest task's
 * utilization, with a bar for the spread over its tasks; each edge labelled with its grouping and tuple rate.
 * The layout is computed when the topology's shape changes, not on every reading: figures update in place.
 */
import dagre from '@dagrejs/dagre';
import type { DashComponent, DashEdge, DashboardState } from '../types.js';
import { heat, millis, percent, rate, svg } from './format.js';

const NODE_W = 220;
const NODE_H = 74;

export class GraphView {
  private shape = '';
  private readonly nodes = new Map<string, SVGGElement>();
  private readonly edgeLabels = new Map<string, SVGTextElement>();
  private selected: string | null = null;

  constructor(
    private readonly root: SVGSVGElement,
    private readonly onSelect: (id: string) => void,
  ) {}

  render(state: DashboardState): void {
    const shape = JSON.stringify([state.components.map((c) => [c.id, c.kind]), state.edges.map((e) => [e.from, e.to, e.stream, e.grouping])]);
    if (shape !== this.shape) this.layout(state);
    this.shape = shape;
    for (const c of state.components) this.update(this.nodes.get(c.id)!, c);
    for (const e of state.edges) this.edgeLabels.get(edgeKey(e))!.textContent = edgeLabel(e);
  }

  select(id: string | null): void {
    this.selected = id;
    for (const [cid, g] of this.nodes) g.classList.toggle('selected', cid === id);
  }

  private layout(state: DashboardState): void {
    const g = new dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir: 'LR', nodesep: 30, ranksep: 70, marginx: 10, marginy: 10 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const c of state.components) g.setNode(c.id, { width: NODE_W, height: NODE_H });
    for (const e of state.edges) g.setEdge(e.from, e.to, { width: 90, height: 14, labelpos: 'c' }, edgeKey(e));
    dagre.layout(g);
    const size = g.graph();
    this.root.replaceChildren();
    this.nodes.clear();
    this.edgeLabels.clear();
    // Scaled to the pane's width (never above natural size), so the whole topology is in view at once.
    const width = Math.ceil(size.width ?? 0);
    const height = Math.ceil(size.height ?? 0);
    this.root.setAttribute('viewBox', `0 0 ${width} ${height}`);
    this.root.style.maxWidth = `${width}px`;
    this.root.append(
      svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#7b8494' }))),
    );
    for (const e of state.edges) {
      const at = g.edge(e.from, e.to, edgeKey(e));
      const points: Array<{ x: number; y: number }> = (at as { points?: Array<{ x: number; y: number }> }).points ?? [];
      const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
      const label = svg('text', { x: (at.x ?? 0).toFixed(1), y: ((at.y ?? 0) + 4).toFixed(1), 'text-anchor': 'middle' });
      this.edgeLabels.set(edgeKey(e), label);
      this.root.append(svg('g', { class: 'edge', 'data-from': e.from, 'data-to': e.to, 'data-stream': e.stream }, svg('path', { d, 'marker-end': 'url(#arrow)' }), label));
    }
    for (const c of state.components) {
      const n = g.node(c.id);
      const node = svg('g', { class: 'node', 'data-component': c.id, transform: `translate(${(n.x - NODE_W / 2).toFixed(1)},${(n.y - NODE_H / 2).toFixed(1)})`, tabindex: 0, role: 'button' });
      node.append(
        svg('rect', { width: NODE_W, height: NODE_H }),
        svg('text', { class: 'title', x: 8, y: 17 }),
        svg('text', { class: 'line1', x: 8, y: 34 }),
        svg('text', { class: 'line2', x: 8, y: 50 }),
        svg('rect', { class: 'spread', x: 8, y: 60, width: NODE_W - 16, height: 6, rx: 2 }),
        svg('rect', { class: 'spread-mark', x: 8, y: 60, width: 0, height: 6 }),
      );
      node.addEventListener('click', () => this.onSelect(c.id));
      node.addEventListener('keydown', (ev) => (ev as KeyboardEvent).key === 'Enter' && this.onSelect(c.id));
      this.nodes.set(c.id, node);
      this.root.append(node);
    }
    this.select(this.selected);
  }

  private update(node: SVGGElement, c: DashComponent): void {
    const spread = c.minUtilization !== null && c.utilization !== null && c.tasks > 1 ? ` (${percent(c.minUtilization)}–${percent(c.utilization)})` : '';
    node.querySelector('rect')!.setAttribute('fill', heat(c.utilization));
    node.querySelector('.title')!.textContent = `${c.id}  ·  ${c.kind} ×${c.tasks}`;
    node.querySelector('.line1')!.textContent = `busiest task ${percent(c.utilization)}${spread}${c.measured || c.utilization === null ? '' : ' (coarse)'}`;
    node.querySelector('.line2')!.textContent =
      c.kind === 'spout'
        ? `acked ${rate(c.ackedPerSec)}/s · failed ${rate(c.failedPerSec)}/s · ${millis(c.completeLatencyMs)}`
        : `executed ${rate(c.executedPerSec)}/s · failed ${rate(c.failedPerSec)}/s`;
    // The spread: the bar's marked part runs from the least to the most busy task.
    const lo = Math.max(0, Math.min(1, c.minUtilization ?? c.utilization ?? 0));
    const hi = Math.max(0, Math.min(1, c.utilization ?? 0));
    const width = NODE_W - 16;
    const mark = node.querySelector('.spread-mark')!;
    mark.setAttribute('x', (8 + lo * width).toFixed(1));
    mark.setAttribute('width', Math.max(2, (hi - lo) * width).toFixed(1));
    for (const [key, value] of Object.entries({
      utilization: c.utilization,
      'min-utilization': c.minUtilization,
      'executed-per-sec': c.executedPerSec,
      'acked-per-sec': c.ackedPerSec,
      'failed-per-sec': c.failedPerSec,
      'complete-latency-ms': c.completeLatencyMs,
    })) {
      node.setAttribute(`data-${key}`, value === null ? '' : String(value));
    }
  }
}

function edgeKey(e: DashEdge): string {
  return `${e.from}\u0000${e.stream}\u0000${e.to}`;
}

function edgeLabel(e: DashEdge): string {
  const stream = e.stream === 'default' ? '' : `${e.stream}: `;
  return `${stream}${e.grouping} · ${rate(e.ratePerSec)}/s`;
}
