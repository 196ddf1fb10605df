/**
 * A plan to reach a target rate, with the model's prediction of what it gives: tasks (one process each for squall
 * and shell components), executors, `concurrency` for bolts that mostly wait on I/O, max.spout.pending and
 * workers. Pure: the CLI turns it into a command and carries it out.
 */
import { CONCURRENCY_KEY } from '../config/keys.js';
import type { TopologySpec } from '../topology/spec.js';
import type { Change, ComponentFigures, TopologyFigures } from './figures.js';
import { diagnose, type Diagnosis } from './findings.js';
import { currentRate, layout, overheadSecs, openLatency, predict, type Prediction } from './model.js';

/** Utilization a plan sizes tasks for: room for bursts and for the queueing that grows fast near 1. */
export const DEFAULT_UTILIZATION = 0.7;
/** A bolt whose CPU is under this share of its service time mostly waits: concurrency helps before processes do. */
export const IO_BOUND_CPU_SHARE = 0.5;
/** The most tasks or concurrency a plan proposes for one component. */
export const MAX_TASKS = 256;
export const MAX_CONCURRENCY = 256;
/** max.spout.pending is sized for the target's trees in flight times this, so the limit does not bind. */
const PENDING_HEADROOM = 1.5;

export interface PlanOptions {
  /** Root tuples per second to reach. Default: twice the current rate (the current rate when the sources limit it). */
  target?: number;
  utilization?: number;
}

export interface ComponentPlan {
  id: string;
  tasks: { now: number; planned: number };
  executors: { now: number; planned: number };
  concurrency: { now: number; planned: number };
  /** Why this component cannot reach the target by scaling, when it cannot. */
  limit?: string;
}

export interface Plan {
  target: number;
  utilization: number;
  components: ComponentPlan[];
  maxSpoutPending: { now: number | null; planned: number | null };
  workers: { now: number; planned: number };
  /** Nothing to change: the topology already carries the target at the chosen utilization. */
  unchanged: boolean;
  /**
   * Applying it needs a new submit: tasks are fixed at submit, and so is the config (max.spout.pending,
   * concurrency). Otherwise a rebalance of executors and workers does it.
   */
  redeploy: boolean;
  /** The change as the model takes it. */
  change: Change;
  /** What the model predicts with the change at the target load (`saturationRate`: the most it could take). */
  predicted: Prediction;
  current: Prediction;
  /** What the plan cannot fix (skew on a hot key, a slow instance): say so rather than scale for it. */
  caveats: string[];
}

export function plan(figures: TopologyFigures, options: PlanOptions = {}, diagnosis: Diagnosis = diagnose(figures)): Plan {
  const utilization = options.utilization ?? DEFAULT_UTILIZATION;
  const current = predict(figures);
  const rate = currentRate(figures);
  const target = options.target ?? (current.limitedBy === 'sources' ? rate : 2 * rate);
  const caveats: string[] = [];
  const slow = new Set(diagnosis.findings.filter((f) => f.kind === 'slow-instance').map((f) => f.component!));
  for (const f of diagnosis.findings) if (!f.scalingHelps && (f.kind === 'skew' || f.kind === 'slow-instance')) caveats.push(f.message);

  const tasks: Record<string, number> = {};
  const concurrency: Record<string, number> = {};
  const components: ComponentPlan[] = [];
  for (const c of figures.components) {
    // A slow instance is sized as its peers are: the plan must not scale a component for one bad host.
    const sized = slow.has(c.id) ? withoutSlowInstances(c) : c;
    const sizing = sizeComponent(figures, sized, target, utilization);
    tasks[c.id] = sizing.tasks;
    concurrency[c.id] = sizing.concurrency;
    components.push({
      id: c.id,
      tasks: { now: c.tasks, planned: sizing.tasks },
      executors: { now: c.executors, planned: sizing.tasks },
      concurrency: { now: c.concurrency, planned: sizing.concurrency },
      ...(sizing.limit ? { limit: sizing.limit } : {}),
    });
    if (sizing.limit) caveats.push(`${c.id}: ${sizing.limit}`);
  }

  const pending = pendingFor(figures, { tasks, concurrency }, target);
  const change: Change = { tasks, concurrency, maxSpoutPending: pending };
  // Predicted at the target load: the sources offering the target, as the plan was sized for.
  const predicted = predict(figures, { ...change, offeredRate: target });
  const totalNow = figures.components.reduce((n, c) => n + c.tasks, 0);
  const totalPlanned = Object.values(tasks).reduce((n, t) => n + t, 0);
  // Keep the processes per worker as they are now: the cluster's machines were sized for that.
  const workers = Math.max(1, Math.round((figures.workers * totalPlanned) / Math.max(1, totalNow)));
  const unchanged =
    components.every((c) => c.tasks.now === c.tasks.planned && c.concurrency.now === c.concurrency.planned && c.executors.now === c.executors.planned) &&
    pending === figures.maxSpoutPending &&
    workers === figures.workers;
  const redeploy =
    components.some((c) => c.tasks.now !== c.tasks.planned || c.concurrency.now !== c.concurrency.planned) || pending !== figures.maxSpoutPending;
  return {
    target,
    utilization,
    components,
    maxSpoutPending: { now: figures.maxSpoutPending, planned: pending },
    workers: { now: figures.workers, planned: workers },
    unchanged,
    redeploy,
    change: { ...change },
    predicted,
    current,
    caveats,
  };
}

interface Sizing {
  tasks: number;
  concurrency: number;
  limit?: string;
}

/**
 * The fewest tasks (and, for a bolt that mostly waits, the concurrency) that keep every task of one component at
 * or under `utilization` at `target` root tuples per second.
 */
function sizeComponent(figures: TopologyFigures, c: ComponentFigures, target: number, utilization: number): Sizing {
  const busiest = (tasks: number, concurrency: number, service: number): number => {
    const l = layout({ ...figures, components: figures.components.map((x) => (x.id === c.id ? c : x)) }, { tasks: { [c.id]: tasks }, concurrency: { [c.id]: concurrency } });
    let max = 0;
    for (const s of l.stations) if (s.component === c.id) max = Math.max(max, (target * s.visits * (service > 0 ? service : s.serviceSecs)) / s.concurrency);
    return max;
  };
  const cpuShare = c.cpuSecs !== undefined && c.serviceSecs > 0 ? c.cpuSecs / c.serviceSecs : null;
  if (c.kind === 'bolt' && cpuShare !== null && cpuShare < IO_BOUND_CPU_SHARE) {
    // Waiting overlaps inside one process; CPU does not. Tasks for the CPU, concurrency for the waiting.
    const tasks = smallest(1, MAX_TASKS, (n) => busiest(n, 1, c.cpuSecs!) <= utilization);
    if (tasks !== null) {
      const conc = smallest(1, MAX_CONCURRENCY, (k) => busiest(tasks, k, 0) <= utilization);
      if (conc !== null) return { tasks, concurrency: conc };
    }
  }
  const tasks = smallest(1, MAX_TASKS, (n) => busiest(n, c.concurrency, 0) <= utilization);
  if (tasks !== null) return { tasks, concurrency: c.concurrency };
  // Even the most tasks leave one task over the mark: grouping or key skew concentrates the load.
  const reason = figures.edges.some((e) => e.to === c.id && e.grouping === 'global')
    ? 'a global grouping sends every tuple to one task; more tasks do not help'
    : figures.edges.some((e) => e.to === c.id && e.grouping === 'all')
      ? 'an all grouping sends every tuple to every task; more tasks do not help'
      : 'one key carries more than one task can take at the target; more tasks do not help';
  return { tasks: c.tasks, concurrency: c.concurrency, limit: reason };
}

/** max.spout.pending for the target: trees in flight at the target's latency, with headroom; null stays null. */
function pendingFor(figures: TopologyFigures, change: Change, target: number): number | null {
  if (figures.maxSpoutPending === null) return null;
  const l = layout(figures, change);
  const latency = overheadSecs(figures) + openLatency(l, target);
  const spoutTasks = figures.components.filter((c) => c.kind === 'spout').reduce((n, c) => n + l.tasks.get(c.id)!, 0);
  if (!Number.isFinite(latency) || spoutTasks === 0) return figures.maxSpoutPending;
  let pending = Math.max(1, Math.ceil((target * latency * PENDING_HEADROOM) / spoutTasks));
  // Check against the closed-loop model and raise until the limit no longer holds the rate under the target.
  for (let i = 0; i < 12 && predict(figures, { ...change, maxSpoutPending: pending, offeredRate: target }).rate < 0.97 * target; i++) {
    pending = Math.ceil(pending * 1.5);
  }
  return Math.max(pending, figures.maxSpoutPending);
}

function withoutSlowInstances(c: ComponentFigures): ComponentFigures {
  const tasks = c.taskFigures ?? [];
  const sorted = tasks.map((t) => t.serviceSecs).sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1] ?? c.serviceSecs;
  return { ...c, serviceSecs: median, taskFigures: tasks.map((t) => ({ ...t, serviceSecs: Math.min(t.serviceSecs, median) })) };
}

/** The smallest n in [from, to] for which `ok(n)` holds, assuming it keeps holding above; null if none does. */
function smallest(from: number, to: number, ok: (n: number) => boolean): number | null {
  if (!ok(to)) return null;
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ok(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** What carries a plan out, as `squall rebalance` (executors, workers) or `squall submit --force` (all) take it. */
export interface PlanOverrides {
  /** Executors per component (`-p`). */
  parallelism: Record<string, number>;
  /** Tasks per component (`--tasks`): a redeploy only. */
  tasks: Record<string, number>;
  /** `squall.concurrency` per bolt (`--concurrency`): a redeploy only. */
  concurrency: Record<string, number>;
  /** Topology config (`-o`): a redeploy only. */
  options: Record<string, number>;
  /** Worker processes (`rebalance -w`): a rebalance only. */
  workers?: number;
}

/**
 * The overrides that apply a plan. A rebalance names only what changes. A redeploy starts again from the project
 * on disk, so it also names whatever runs otherwise than the project says (an earlier change, an override at the
 * last submit): what the plan keeps must not fall back to the project's values.
 */
export function planOverrides(p: Plan, project?: TopologySpec): PlanOverrides {
  const out: PlanOverrides = { parallelism: {}, tasks: {}, concurrency: {}, options: {} };
  const own = new Map(project?.components.map((c) => [c.id, c]));
  if (!p.redeploy) {
    for (const c of p.components) if (c.executors.planned !== c.executors.now) out.parallelism[c.id] = c.executors.planned;
    if (p.workers.planned !== p.workers.now) out.workers = p.workers.planned;
    return out;
  }
  for (const c of p.components) {
    const given = own.get(c.id);
    const moved = c.tasks.planned !== c.tasks.now || c.executors.planned !== c.executors.now;
    if (moved || (given && (given.tasks !== c.tasks.planned || given.parallelism !== c.executors.planned))) {
      out.parallelism[c.id] = c.executors.planned;
      out.tasks[c.id] = c.tasks.planned;
    }
    const configured = given?.config[CONCURRENCY_KEY];
    if (c.concurrency.planned !== c.concurrency.now || (configured !== undefined ? Number(configured) !== c.concurrency.planned : c.concurrency.planned > 1)) {
      out.concurrency[c.id] = c.concurrency.planned;
    }
  }
  const config = project?.config ?? {};
  const pending = p.maxSpoutPending.planned;
  if (pending !== null && (pending !== p.maxSpoutPending.now || (project && config[PENDING_KEY] !== pending))) out.options[PENDING_KEY] = pending;
  if (p.workers.planned !== p.workers.now || (project && Number(config[WORKERS_KEY] ?? 1) !== p.workers.planned)) out.options[WORKERS_KEY] = p.workers.planned;
  return out;
}

const PENDING_KEY = 'topology.max.spout.pending';
const WORKERS_KEY = 'topology.workers';
