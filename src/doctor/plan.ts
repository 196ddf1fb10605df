/**
 * A plan to reach a target rate, with the model's prediction of what it gives: tasks (one process each for squall
 * and shell components), executors, `concurrency` for bolts whose handlers await, max.spout.pending and workers.
 * A rebalance (executors within the tasks there) is preferred when it meets the target; a change never shrinks
 * what is not in the way; a plan predicting less than what runs now is not advice. Pure: the CLI turns it into a
 * command and carries it out.
 */
import { CONCURRENCY_KEY } from '../config/keys.js';
import type { TopologySpec } from '../topology/spec.js';
import type { Change, ComponentFigures, TopologyFigures } from './figures.js';
import { diagnose, fixed, ms, type Diagnosis } from './findings.js';
import { backlogTarget, coresRate, currentRate, layout, overheadSecs, openLatency, predict, sourcesLimit, utilizations, type Prediction } from './model.js';

/** Utilization a plan sizes tasks for: room for bursts and for the queueing that grows fast near 1. */
export const DEFAULT_UTILIZATION = 0.7;
/** A bolt whose handler awaits (promise outstanding, loop free) for at least this share of its time: concurrency helps. */
export const AWAITS_SHARE = 0.5;
/** The most tasks or concurrency a plan proposes for one component. */
export const MAX_TASKS = 256;
export const MAX_CONCURRENCY = 256;
/** max.spout.pending is sized for the target's trees in flight times this, so the limit does not bind. */
const PENDING_HEADROOM = 1.5;
/** The target is met when the observed rate is at least this share of it: measured rates are never exact. */
export const TARGET_MET = 0.95;
/** A plan is advice only when it predicts at least this share of the rate observed now. */
const NOT_WORSE = 0.98;

export interface PlanOptions {
  /**
   * Root tuples per second to reach. Default: twice the current rate (the current rate when the sources limit it), or
   * the arrival rate of a source whose backlog grows (the backlog finding's target) when that is more.
   */
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
  /** Nothing to change: the target already holds, or the topology carries it at the chosen utilization. */
  unchanged: boolean;
  /** The rate observed now already meets the target: no plan at all. */
  met: boolean;
  /**
   * Whether the plan may be printed as advice and carried out: false when its prediction is below the rate observed
   * now (the figures behind it cannot be right), with the reason in `notAdvice`.
   */
  advice: boolean;
  notAdvice?: string;
  /**
   * Applying it needs a new submit: tasks are fixed at submit, and so is the config (max.spout.pending,
   * concurrency). Otherwise a rebalance of executors and workers does it.
   */
  redeploy: boolean;
  /** The change as the model takes it. */
  change: Change;
  /**
   * What the model predicts with the change: at the target load when the sources set the rate, otherwise at the
   * rate the topology then takes with every allowed tree in flight (`saturationRate`: the most it could take).
   */
  predicted: Prediction;
  current: Prediction;
  /** What the plan cannot fix (skew on a hot key, a slow instance, the cores): say so rather than scale for it. */
  caveats: string[];
}

export function plan(figures: TopologyFigures, options: PlanOptions = {}, diagnosis: Diagnosis = diagnose(figures)): Plan {
  const utilization = options.utilization ?? DEFAULT_UTILIZATION;
  const current = predict(figures);
  const rate = currentRate(figures);
  // A source whose backlog grows receives more than the topology consumes: the default plans for what arrives, at least.
  const arriving = backlogTarget(figures) ?? 0;
  const target = options.target ?? Math.max(current.limitedBy === 'sources' ? rate : 2 * rate, Math.ceil(arriving));
  const caveats: string[] = [];
  const slow = new Set(diagnosis.findings.filter((f) => f.kind === 'slow-instance').map((f) => f.component!));
  for (const f of diagnosis.findings) if (!f.scalingHelps && (f.kind === 'skew' || f.kind === 'slow-instance')) caveats.push(f.message);
  // What the sources offer after the change: the target when they set the rate now; otherwise all the topology takes.
  const offered = sourcesLimit(figures) ? { offeredRate: target } : {};
  const finish = (change: Change, components: ComponentPlan[], redeploy: boolean, met = false): Plan =>
    assemble(figures, { target, utilization, components, change, redeploy, met, current, caveats, offered, unreliable: diagnosis.unreliable });

  // Met: the spouts emit the target and the topology carries it. A spout's root rate alone also counts roots still
  // queueing while max.spout.pending fills (a saturated bolt behind it): the model's current figure says whether
  // the bottleneck keeps up.
  if (rate > 0 && rate >= TARGET_MET * target && current.rate >= TARGET_MET * target) return finish({}, unchangedComponents(figures), false, true);

  // A rebalance first: executors up to the tasks already there, where a shuffle holds a component's load on
  // fewer tasks than it has. No kill, no resubmit, nothing else touched.
  const spread = rebalanceChange(figures);
  const inTheWay = Math.max(0, ...[...utilizations(layout(figures), target).values()]) > utilization;
  if (spread && inTheWay) {
    const l = layout(figures, spread);
    const busiest = Math.max(0, ...[...utilizations(l, target).values()]);
    if (busiest <= utilization && coresRate(l) >= target) {
      const components = figures.components.map((c) => ({ ...unchangedComponent(c), executors: { now: c.executors, planned: l.executors.get(c.id)! } }));
      return finish(spread, components, false);
    }
  }

  // The cores bound what any number of processes gives: size for no more than they allow.
  const cores = coresRate(layout(figures));
  const sizedFor = Math.min(target, cores * utilization);
  if (cores < target) {
    caveats.push(
      `the ${figures.cores} core(s) the topology runs on allow about ${fixed(cores)} trees/s at the CPU it spends per tree ` +
        `(${ms(figures.cores! / cores)}): more processes cannot go past that; add machines or spend less CPU per tuple.`,
    );
  }
  const tasks: Record<string, number> = {};
  const executors: Record<string, number> = {};
  const concurrency: Record<string, number> = {};
  const components: ComponentPlan[] = [];
  for (const c of figures.components) {
    // A slow instance is sized as its peers are: the plan must not scale a component for one bad host.
    const sized = slow.has(c.id) ? withoutSlowInstances(c) : c;
    const sizing = sizeComponent(figures, sized, sizedFor, utilization);
    // Never shrink in a change made to go faster: a component not in the way keeps what it has.
    tasks[c.id] = Math.max(c.tasks, sizing.tasks);
    // New tasks come with an executor each; otherwise executors stay (for a multi-lang component they add only
    // Java threads: the processes are the tasks), unless a shuffle holds this component's load on the first task
    // of each executor and it is in the way: then one executor per task.
    const spreadHere = spread?.executors?.[c.id] !== undefined && busiestOf(figures, c.id, target) > utilization;
    executors[c.id] = tasks[c.id] === c.tasks && !spreadHere ? c.executors : tasks[c.id]!;
    concurrency[c.id] = Math.max(c.concurrency, sizing.concurrency);
    components.push({
      id: c.id,
      tasks: { now: c.tasks, planned: tasks[c.id]! },
      executors: { now: c.executors, planned: executors[c.id]! },
      concurrency: { now: c.concurrency, planned: concurrency[c.id]! },
      ...(sizing.limit ? { limit: sizing.limit } : {}),
    });
    if (sizing.limit) caveats.push(`${c.id}: ${sizing.limit}`);
  }
  const pending = pendingFor(figures, { tasks, executors, concurrency }, target);
  const change: Change = { tasks, executors, concurrency, maxSpoutPending: pending };
  const redeploy =
    components.some((c) => c.tasks.now !== c.tasks.planned || c.concurrency.now !== c.concurrency.planned) || pending !== figures.maxSpoutPending;
  return finish(change, components, redeploy);
}

interface Assembly {
  target: number;
  utilization: number;
  components: ComponentPlan[];
  change: Change;
  redeploy: boolean;
  met: boolean;
  current: Prediction;
  caveats: string[];
  offered: { offeredRate?: number };
  /** The diagnosis found figures that contradict the observed rate. */
  unreliable: boolean;
}

/** The plan around a change: its prediction, workers, and whether it is advice at all. */
function assemble(figures: TopologyFigures, a: Assembly): Plan {
  const pending = a.change.maxSpoutPending !== undefined ? a.change.maxSpoutPending : figures.maxSpoutPending;
  const predicted = a.met ? a.current : predict(figures, { ...a.change, ...a.offered });
  const totalNow = figures.components.reduce((n, c) => n + c.tasks, 0);
  const totalPlanned = a.components.reduce((n, c) => n + c.tasks.planned, 0);
  // Keep the processes per worker as they are now: the cluster's machines were sized for that.
  const workers = Math.max(1, Math.round((figures.workers * totalPlanned) / Math.max(1, totalNow)));
  const unchanged =
    a.met ||
    (a.components.every((c) => c.tasks.now === c.tasks.planned && c.concurrency.now === c.concurrency.planned && c.executors.now === c.executors.planned) &&
      pending === figures.maxSpoutPending &&
      workers === figures.workers);
  const observed = currentRate(figures);
  const worse = !unchanged && (a.unreliable || (observed > 0 && predicted.rate < NOT_WORSE * observed));
  return {
    target: a.target,
    utilization: a.utilization,
    components: a.components,
    maxSpoutPending: { now: figures.maxSpoutPending, planned: pending },
    workers: { now: figures.workers, planned: a.met ? figures.workers : workers },
    unchanged,
    met: a.met,
    advice: !worse,
    ...(worse
      ? {
          notAdvice: a.unreliable
            ? 'the figures contradict the observed rate (see the findings), so no plan rests on them: it is neither advice nor applied.'
            : `its prediction (${fixed(predicted.rate)} trees/s) is below the ${fixed(observed)} trees/s observed now: the figures it ` +
              'rests on cannot describe this topology, so it is neither advice nor applied.',
        }
      : {}),
    redeploy: !unchanged && a.redeploy,
    change: { ...a.change },
    predicted,
    current: a.current,
    caveats: a.caveats,
  };
}

function unchangedComponent(c: ComponentFigures): ComponentPlan {
  return { id: c.id, tasks: { now: c.tasks, planned: c.tasks }, executors: { now: c.executors, planned: c.executors }, concurrency: { now: c.concurrency, planned: c.concurrency } };
}

function unchangedComponents(figures: TopologyFigures): ComponentPlan[] {
  return figures.components.map(unchangedComponent);
}

/** The busiest task of one component at `target` root tuples per second, as the topology runs now. */
function busiestOf(figures: TopologyFigures, id: string, target: number): number {
  let max = 0;
  for (const [s, u] of utilizations(layout(figures), target)) if (s.component === id) max = Math.max(max, u);
  return max;
}

/**
 * Executors up to the tasks already there, for each bolt a shuffle feeds whose executors hold several tasks: Storm's
 * load-aware shuffle sends such an executor's tuples to its first task only. Null when there is none.
 */
export function rebalanceChange(figures: TopologyFigures): Change | null {
  if (figures.loadAwareShuffle === false) return null;
  const executors: Record<string, number> = {};
  for (const c of figures.components) {
    const shuffled = figures.edges.some((e) => e.to === c.id && (e.grouping === 'shuffle' || e.grouping === 'local_or_shuffle'));
    if (c.kind === 'bolt' && shuffled && c.executors < c.tasks) executors[c.id] = c.tasks;
  }
  return Object.keys(executors).length ? { executors } : null;
}

interface Sizing {
  tasks: number;
  concurrency: number;
  limit?: string;
}

/**
 * The fewest tasks (and, for a bolt whose handler awaits, the concurrency) that keep every task of one component at
 * or under `utilization` at `target` root tuples per second.
 */
function sizeComponent(figures: TopologyFigures, c: ComponentFigures, target: number, utilization: number): Sizing {
  const busiest = (tasks: number, concurrency: number, service: number): number => {
    // Sized with one executor per task: a shuffle then spreads over all of them.
    const l = layout({ ...figures, components: figures.components.map((x) => (x.id === c.id ? c : x)) }, { tasks: { [c.id]: tasks }, executors: { [c.id]: tasks }, concurrency: { [c.id]: concurrency } });
    let max = 0;
    for (const s of l.stations) if (s.component === c.id) max = Math.max(max, (target * s.visits * (service > 0 ? service : s.serviceSecs)) / s.concurrency);
    return max;
  };
  if (c.kind === 'bolt' && awaits(c)) {
    // Awaiting overlaps inside one process; time on the event loop does not. Tasks for the loop, concurrency for
    // the awaiting.
    const onLoop = Math.max(c.serviceSecs - c.awaitSecs!, c.cpuSecs ?? 0, 1e-9);
    const tasks = smallest(1, MAX_TASKS, (n) => busiest(n, 1, onLoop) <= utilization);
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

/**
 * Whether a bolt's handler awaits for most of its time (measured by the SDK: promise outstanding, event loop free).
 * Only then can `concurrency` help; a synchronous handler, however little CPU it shows on a starved host, cannot.
 */
export function awaits(c: ComponentFigures): boolean {
  return c.awaitSecs !== undefined && c.serviceSecs > 0 && c.awaitSecs >= AWAITS_SHARE * c.serviceSecs;
}

/** max.spout.pending for the target: trees in flight at the target's latency, with headroom; null stays null. */
function pendingFor(figures: TopologyFigures, change: Change, target: number): number | null {
  if (figures.maxSpoutPending === null) return null;
  // The limit stays where it is when it does not hold the rate under the target: a change touches what is in the way.
  if (predict(figures, { ...change, offeredRate: target }).rate >= 0.97 * target) return figures.maxSpoutPending;
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

/**
 * The plan that takes a topology changed by `p` back to where it was: every figure's now and planned swapped. Its
 * command (rebalance or redeploy, as the change was) undoes the change.
 */
export function revertPlan(p: Plan): Plan {
  const swap = <T>(x: { now: T; planned: T }) => ({ now: x.planned, planned: x.now });
  const components = p.components.map((c) => ({ id: c.id, tasks: swap(c.tasks), executors: swap(c.executors), concurrency: swap(c.concurrency) }));
  const change: Change = {
    tasks: Object.fromEntries(components.map((c) => [c.id, c.tasks.planned])),
    executors: Object.fromEntries(components.map((c) => [c.id, c.executors.planned])),
    concurrency: Object.fromEntries(components.map((c) => [c.id, c.concurrency.planned])),
    maxSpoutPending: p.maxSpoutPending.now,
  };
  return { ...p, components, maxSpoutPending: swap(p.maxSpoutPending), workers: swap(p.workers), change, unchanged: false, met: false, advice: true, predicted: p.current, caveats: [] };
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
