/**
 * The performance model behind `squall doctor`: from measured figures (./figures.ts), where each root tuple's work
 * lands, how busy every task is, and what throughput and complete latency a changed topology would reach.
 *
 * - Load: root tuples flow from the spouts along the edges, multiplied by each component's selectivity and spread
 *   over the receiving tasks by grouping: at the layout it was measured in, by each task's measured share; at
 *   another, shuffle evenly (but, with Storm 2's load-aware shuffle, only to the first task of each executor that
 *   holds several), fields by the measured key spread, all to every task, global to one. Each task is a queue with
 *   `concurrency` servers and a measured service time.
 * - Cores: every process shares the machines' cores, so CPU seconds per tuple tree bound the rate, whatever the
 *   parallelism; no prediction goes past that. On a shared host, only the fair share of the cores the topology's
 *   runnable processes get beside the host's others.
 * - Spouts: each task emits at most one tree per round trip with Storm (its own time per command and Storm's
 *   turnaround, for the `next` and the ack alike), measured even while max.spout.pending holds it back.
 * - Open load (the sources set the rate): utilization and Erlang-C waiting time per task.
 * - Closed load (`max.spout.pending` holds the spouts back, Storm's usual case): mean value analysis with
 *   spout tasks × pending tuple trees circulating. Multi-server tasks use Seidmann's approximation (one server
 *   c times as fast, plus a pure delay), and a tree's latency is the longest path of per-component times, since its
 *   branches run in parallel.
 * - Spouts that always have data and a max.spout.pending run at saturation with spout tasks × pending trees in
 *   flight: the complete latency is then that population over the throughput (Little's law), not the latency at
 *   some target rate.
 * - A fixed overhead per tree (transfer, acking, IPC) is what the observed complete latency has beyond the model's
 *   for the configuration as it runs (the closed loop when max.spout.pending holds the spouts, so queueing at a
 *   saturated bottleneck stays queueing); it is carried into every prediction.
 *
 * No I/O here: the model is tested on synthetic figures.
 */
import { firstTaskIndexes } from '../topology/executors.js';
import type { Change, ComponentFigures, Edge, SourceFigures, TopologyFigures } from './figures.js';

/** One task as the model sees it under a given configuration. */
export interface Station {
  component: string;
  /** Index of the task within its component (0-based). */
  index: number;
  /** Visits per root tuple. */
  visits: number;
  serviceSecs: number;
  concurrency: number;
}

/** A configuration of the topology: the figures with a change applied. */
export interface Layout {
  figures: TopologyFigures;
  tasks: Map<string, number>;
  executors: Map<string, number>;
  concurrency: Map<string, number>;
  maxSpoutPending: number | null;
  offeredRate: number | undefined;
  stations: Station[];
}

export function layout(figures: TopologyFigures, change: Change = {}): Layout {
  const tasks = new Map<string, number>();
  const executors = new Map<string, number>();
  const concurrency = new Map<string, number>();
  for (const c of figures.components) {
    const n = Math.max(1, Math.floor(change.tasks?.[c.id] ?? c.tasks));
    tasks.set(c.id, n);
    // New tasks come with an executor each (a submit sets both); otherwise the executors stay as they run.
    const e = change.executors?.[c.id] ?? (n !== c.tasks ? n : c.executors);
    executors.set(c.id, Math.min(n, Math.max(1, Math.floor(e))));
    concurrency.set(c.id, Math.max(1, Math.floor(change.concurrency?.[c.id] ?? c.concurrency)));
  }
  const maxSpoutPending = change.maxSpoutPending !== undefined ? change.maxSpoutPending : figures.maxSpoutPending;
  const stations = stationsOf(figures, tasks, executors, concurrency);
  // The sources' limit is a fact of the topology as it runs: judged on the current layout, whatever the change.
  const offeredRate = change.offeredRate ?? figures.offeredRate ?? (sourcesLimit(figures) ? currentRate(figures) : undefined);
  return { figures, tasks, executors, concurrency, maxSpoutPending, offeredRate, stations };
}

/** At or above this share of empty-handed `next`s on every spout, the sources (not the topology) set the rate. */
export const SOURCE_LIMITED_EMPTY_SHARE = 0.5;

/** Below this utilization everywhere (and with the pending limit not reached) nothing in the topology holds the spouts. */
const HOLDS_BACK = 0.8;

/**
 * Whether the spouts emit what their sources supply rather than all the topology takes. Measured spouts say it
 * directly: each often had nothing to emit. Without that, the topology shows it: the trees in flight are well
 * under spout tasks × max.spout.pending and no task (spouts included) is near saturation, so nothing holds the
 * spouts back but their sources.
 */
export function sourcesLimit(figures: TopologyFigures): boolean {
  const spouts = figures.components.filter((c) => c.kind === 'spout');
  if (spouts.length === 0) return false;
  // Entries wait in a spout's source: whatever holds the spouts back, it is not their sources.
  if (spouts.some((c) => hasBacklog(c.source))) return false;
  if (spouts.every((c) => c.emptyNextShare !== undefined)) return spouts.every((c) => c.emptyNextShare! >= SOURCE_LIMITED_EMPTY_SHARE);
  const rate = currentRate(figures);
  if (rate <= 0) return false;
  const pending = figures.maxSpoutPending;
  if (pending !== null && pending > 0) {
    const latency = figures.completeLatencySecs;
    const spoutTasks = spouts.reduce((n, c) => n + c.tasks, 0);
    if (latency === null || rate * latency >= PENDING_BOUND * spoutTasks * pending) return false;
  }
  return layout(figures, { offeredRate: rate }).stations.every((s) => (rate * s.visits * s.serviceSecs) / s.concurrency < HOLDS_BACK);
}

/** A source whose lag is this many seconds of the spout's reading (or more) has a backlog. */
const BACKLOG_SECS = 1;
/** A backlog grows (the source receives more than the topology consumes) at this share of the arrival rate or more. */
const BACKLOG_GROWTH = 0.05;

/**
 * Whether a spout's source holds entries waiting to be read: a lag of at least BACKLOG_SECS of what the spout
 * reads. A spout that keeps up finds its source nearly empty at every sample (a lag of what arrived since its
 * last read).
 */
export function hasBacklog(source: SourceFigures | undefined): boolean {
  if (!source || source.lag === null || source.lag <= 0) return false;
  return source.lag >= BACKLOG_SECS * source.readPerSec;
}

/** Entries arriving per second at a source: those read plus the lag's growth (null when the growth is unknown). */
export function arrivalRate(source: SourceFigures): number | null {
  return source.lagGrowthPerSec === null ? null : Math.max(0, source.readPerSec + source.lagGrowthPerSec);
}

/** Whether a source's backlog grew over the window by BACKLOG_GROWTH of its arrival rate or more. */
export function backlogGrows(source: SourceFigures | undefined): boolean {
  if (!source || !hasBacklog(source) || source.lagGrowthPerSec === null || source.lagGrowthPerSec <= 0) return false;
  return source.lagGrowthPerSec >= BACKLOG_GROWTH * arrivalRate(source)!;
}

/**
 * The throughput the sources ask for while a backlog grows: today's rate plus each growing backlog's growth, in
 * trees (a spout's roots per entry it delivers; 1 for one tuple per entry). Undefined when no backlog grows.
 */
export function backlogTarget(figures: TopologyFigures): number | undefined {
  const growing = figures.components.filter((c) => c.kind === 'spout' && backlogGrows(c.source));
  if (growing.length === 0) return undefined;
  const treesPerEntry = (c: ComponentFigures): number => {
    const s = c.source!;
    const delivered = s.readPerSec + s.replayedPerSec + s.claimedPerSec;
    return delivered > 0 && (c.rootRate ?? 0) > 0 ? c.rootRate! / delivered : 1;
  };
  return currentRate(figures) + growing.reduce((n, c) => n + c.source!.lagGrowthPerSec! * treesPerEntry(c), 0);
}

/** Root tuples per second now: what all spouts emit with a message id. */
export function currentRate(figures: TopologyFigures): number {
  return figures.components.reduce((sum, c) => sum + (c.kind === 'spout' ? (c.rootRate ?? 0) : 0), 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Where the work lands

/** Visits per root tuple of every task, under the given task counts. */
function stationsOf(figures: TopologyFigures, tasks: Map<string, number>, executors: Map<string, number>, concurrency: Map<string, number>): Station[] {
  const byId = new Map(figures.components.map((c) => [c.id, c]));
  const rate = currentRate(figures);
  // Per component: visits per root tuple to each of its tasks.
  const visits = new Map<string, number[]>();
  for (const c of figures.components) visits.set(c.id, new Array<number>(tasks.get(c.id)!).fill(0));
  for (const spout of figures.components.filter((c) => c.kind === 'spout')) {
    const n = tasks.get(spout.id)!;
    const share = rate > 0 ? (spout.rootRate ?? 0) / rate : 1 / countSpouts(figures);
    visits.set(spout.id, new Array<number>(n).fill(share / n));
  }
  // Propagate along the edges. A fixed point, so a topology with a loop (selectivity below 1 around it) works too:
  // a DAG settles after as many rounds as its depth.
  const inflow = new Map<string, number>();
  for (let round = 0; round < 100; round++) {
    let moved = 0;
    const next = new Map<string, number[]>();
    for (const c of figures.components) {
      if (c.kind === 'spout') next.set(c.id, visits.get(c.id)!);
      else next.set(c.id, new Array<number>(tasks.get(c.id)!).fill(0));
    }
    for (const edge of figures.edges) {
      const source = byId.get(edge.from);
      const target = byId.get(edge.to);
      if (!source || !target || target.kind === 'spout') continue;
      const emitted = sum(visits.get(source.id)!) * (source.emitsPerTuple[edge.stream] ?? 0);
      spread(emitted, edge, target, executors.get(target.id)!, figures.loadAwareShuffle !== false, next.get(target.id)!);
    }
    for (const c of figures.components) {
      const total = sum(next.get(c.id)!);
      moved = Math.max(moved, Math.abs(total - (inflow.get(c.id) ?? 0)));
      inflow.set(c.id, total);
    }
    for (const [id, v] of next) visits.set(id, v);
    if (moved < 1e-12 && round > 0) break;
  }
  const stations: Station[] = [];
  for (const c of figures.components) {
    const v = visits.get(c.id)!;
    for (let i = 0; i < v.length; i++) {
      stations.push({ component: c.id, index: i, visits: v[i]!, serviceSecs: serviceOf(c, i), concurrency: concurrency.get(c.id)! });
    }
  }
  return stations;
}

function countSpouts(figures: TopologyFigures): number {
  return Math.max(1, figures.components.filter((c) => c.kind === 'spout').length);
}

/** Add `emitted` visits per root tuple to the target's tasks as the grouping spreads them. */
function spread(emitted: number, edge: Edge, target: ComponentFigures, executors: number, loadAware: boolean, into: number[]): void {
  const n = into.length;
  switch (edge.grouping) {
    case 'all':
      for (let i = 0; i < n; i++) into[i]! += emitted;
      return;
    case 'global':
      into[0]! += emitted; // Storm's global grouping sends everything to the lowest task id
      return;
    case 'fields':
    case 'direct': {
      const shares = taskShares(target, n);
      for (let i = 0; i < n; i++) into[i]! += emitted * shares[i]!;
      return;
    }
    default: {
      const shares = shuffleShares(target, n, executors, loadAware && edge.grouping !== 'none');
      for (let i = 0; i < n; i++) into[i]! += emitted * shares[i]!;
    }
  }
}

/**
 * How a shuffle spreads over `n` tasks in `executors` executors. In the layout it was measured in, each task's
 * measured share: a shuffle is not assumed even when it was seen not to be. Elsewhere Storm's rule: the load-aware
 * shuffle (LoadAwareShuffleGrouping over WorkerState.refreshLoad) knows a load only for the first task of each
 * executor; the others read as not connected (load 1.0), their weight falls by 10 of 100 every second, and within
 * seconds every tuple goes to the first tasks. Without load awareness, an even spread.
 */
export function shuffleShares(target: ComponentFigures, n: number, executors: number, loadAware: boolean): number[] {
  const measured = target.taskFigures;
  if (measured && measured.length === n && target.tasks === n && target.executors === executors) {
    const total = sum(measured.map((t) => t.ratePerSec));
    if (total > 0) return measured.map((t) => t.ratePerSec / total);
  }
  if (!loadAware || executors >= n) return new Array<number>(n).fill(1 / n);
  const shares = new Array<number>(n).fill(0);
  for (const first of firstTaskIndexes(n, executors)) shares[first] = 1 / executors;
  return shares;
}


/**
 * How a keyed input spreads over `n` tasks. At the measured task count the measured shares hold. At another count
 * only the heavy keys are known: the task that gets the heaviest key carries it plus its part of the rest, which
 * is why adding tasks cannot take a hot key's load below its own share.
 */
export function taskShares(component: ComponentFigures, n: number): number[] {
  const measured = component.taskFigures;
  if (measured && measured.length === n) {
    const total = sum(measured.map((t) => t.ratePerSec));
    if (total > 0) return measured.map((t) => t.ratePerSec / total);
  }
  // The components measured where their keys would land at n tasks: exact for the input they saw.
  const spread = component.keySpread?.[n];
  if (spread) {
    const total = sum(spread);
    if (total > 0) return spread.map((c) => c / total);
  }
  const hot = component.hotKeys ?? [];
  if (hot.length === 0 || n === 1) return new Array<number>(n).fill(1 / n);
  const heaviest = hot[0]!.share;
  const rest = Math.max(0, 1 - sum(hot.map((k) => k.share)));
  // The other heavy keys land on the other tasks where there are enough of them; spread evenly otherwise.
  const top = Math.min(1, Math.max(1 / n, heaviest + rest / n));
  const others = (1 - top) / (n - 1);
  return [top, ...new Array<number>(n - 1).fill(others)];
}

/** A task keeps its own measured service time (a slow instance stays slow); new tasks get the component's. */
function serviceOf(c: ComponentFigures, index: number): number {
  const own = c.taskFigures?.[index]?.serviceSecs;
  return own !== undefined && own > 0 ? own : c.serviceSecs;
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// Queueing

/**
 * Erlang C: mean wait in queue of an M/M/c server with offered load `a` = λ·S and `c` servers. Infinity at or
 * beyond saturation. Uses the Erlang B recursion, which stays finite for any c.
 */
export function erlangCWait(arrivalPerSec: number, serviceSecs: number, servers: number): number {
  const a = arrivalPerSec * serviceSecs;
  if (a <= 0) return 0;
  if (a >= servers) return Infinity;
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (a * b) / (k + a * b);
  const waitProbability = (servers * b) / (servers - a * (1 - b));
  return (waitProbability * serviceSecs) / (servers - a);
}

/** The highest root rate before some task saturates (utilization 1), and which component that task is in. */
export function saturationRate(l: Layout): { rate: number; component: string | null } {
  let rate = Infinity;
  let component: string | null = null;
  for (const s of l.stations) {
    const demand = s.visits * s.serviceSecs; // busy seconds per root tuple
    if (demand <= 0) continue;
    const limit = s.concurrency / demand;
    if (limit < rate) {
      rate = limit;
      component = s.component;
    }
  }
  return { rate, component };
}

/**
 * The most root tuples per second the machines' cores allow: cores over the CPU seconds one tree costs, summed over
 * the components it visits. Infinity when the cores or the CPU figures are unknown. Components without a CPU
 * figure count as free, so this stays an upper bound.
 *
 * On a shared host (`coreShare` below 1) the cores are shared fairly among everything runnable: a runnable process
 * of ours got `coreShare` of a core beside `others` runnable processes of the host (cores / coreShare, less ours
 * then); with k runnable processes of ours the topology gets cores × k / (others + k). A task counts as runnable
 * for the part of the time its CPU demand at the rate takes at its fair share: the largest fixed point, reached
 * from every task runnable downwards.
 */
export function coresRate(l: Layout): number {
  const cores = l.figures.cores;
  if (cores === undefined || !(cores > 0)) return Infinity;
  const byId = new Map(l.figures.components.map((c) => [c.id, c]));
  const cpuOf = (s: Station): number => s.visits * (byId.get(s.component)?.cpuSecs ?? 0);
  let cpuPerTree = 0;
  for (const s of l.stations) cpuPerTree += cpuOf(s);
  if (!(cpuPerTree > 0)) return Infinity;
  const share = l.figures.coreShare;
  if (share === undefined || !(share > 0) || share >= 1) return cores / cpuPerTree;
  // Runnable processes of ours at a rate, each getting `per` of a core.
  const runnable = (stations: Station[], rate: number, per: number): number => {
    let k = 0;
    for (const s of stations) k += Math.min(1, (rate * cpuOf(s)) / per);
    return k;
  };
  const now = layout(l.figures);
  const others = Math.max(0, cores / share - runnable(now.stations, currentRate(l.figures), share));
  // From every task runnable down to the largest consistent count: the spouts offer all the cores can run.
  let k = l.stations.length;
  let rate = 0;
  for (let round = 0; round < 50; round++) {
    const gotten = Math.min(cores, (cores * k) / (others + k));
    rate = gotten / cpuPerTree;
    const next = Math.max(1e-9, runnable(l.stations, rate, Math.min(1, cores / (others + k))));
    if (Math.abs(next - k) < 1e-6) break;
    k = next;
  }
  return Math.min(rate, cores / cpuPerTree);
}

/** Utilization of each task at a root rate. */
export function utilizations(l: Layout, rootRate: number): Map<Station, number> {
  return new Map(l.stations.map((s) => [s, (rootRate * s.visits * s.serviceSecs) / s.concurrency]));
}

/**
 * Time a tree spends in each component, from per-visit residence times: a tree that visits a task k times is
 * there about k residences (one after another), and at least one residence when it visits the component at all.
 */
function componentTimes(l: Layout, residence: (s: Station) => number): Map<string, number> {
  const times = new Map<string, number>();
  const visitsOf = new Map<string, number>();
  const weighted = new Map<string, number>();
  const spouts = spoutIds(l);
  for (const s of l.stations) {
    // A tree's complete latency starts at its spout's emit: the spout's own time comes before it.
    if (spouts.has(s.component)) continue;
    const r = residence(s);
    times.set(s.component, Math.max(times.get(s.component) ?? 0, s.visits * r));
    visitsOf.set(s.component, (visitsOf.get(s.component) ?? 0) + s.visits);
    weighted.set(s.component, (weighted.get(s.component) ?? 0) + s.visits * r);
  }
  for (const [id, t] of times) {
    const v = visitsOf.get(id)!;
    if (v > 0) times.set(id, Math.max(t, weighted.get(id)! / v));
  }
  return times;
}

function spoutIds(l: Layout): Set<string> {
  return new Set(l.figures.components.filter((c) => c.kind === 'spout').map((c) => c.id));
}

/**
 * The most root tuples per second the spouts emit, each task one tree per next/sync round trip (its measured
 * service time): a limit on the rate, not a queue trees wait in. Infinity when not measured.
 */
export function spoutRate(l: Layout): number {
  const spouts = spoutIds(l);
  let rate = 0;
  let known = false;
  for (const s of l.stations) {
    if (!spouts.has(s.component)) continue;
    if (!(s.serviceSecs > 0) || !(s.visits > 0)) return Infinity;
    known = true;
    rate += 1 / s.serviceSecs;
  }
  return known ? rate : Infinity;
}

/** The longest path of component times from any spout: a tree completes when its slowest branch does. */
function longestPath(figures: TopologyFigures, times: Map<string, number>): number {
  const out = new Map<string, string[]>();
  for (const e of figures.edges) (out.get(e.from) ?? out.set(e.from, []).get(e.from)!).push(e.to);
  const memo = new Map<string, number>();
  const onPath = new Set<string>();
  const walk = (id: string): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    if (onPath.has(id)) return 0; // a loop: count each component once along a path
    onPath.add(id);
    let tail = 0;
    for (const next of out.get(id) ?? []) tail = Math.max(tail, walk(next));
    onPath.delete(id);
    const total = (times.get(id) ?? 0) + tail;
    memo.set(id, total);
    return total;
  };
  let longest = 0;
  for (const c of figures.components) if (c.kind === 'spout') longest = Math.max(longest, walk(c.id));
  return longest;
}

/** Model latency of a tree at an open root rate, without the fixed overhead. Infinity past saturation. */
export function openLatency(l: Layout, rootRate: number): number {
  const times = componentTimes(l, (s) => s.serviceSecs + erlangCWait(rootRate * s.visits, s.serviceSecs, s.concurrency));
  return longestPath(l.figures, times);
}

/**
 * Mean value analysis of the closed loop: `population` trees in flight, each new one started as an old one
 * completes (max.spout.pending). Returns the throughput and the tree latency (overhead included).
 */
export function closedLoop(l: Layout, population: number, overheadSecs: number): { rate: number; latencySecs: number } {
  // Exact MVA walks the population up one tree at a time; past a few hundred trees Schweitzer's approximation
  // (queues at N-1 trees ≈ (N-1)/N of those at N) reaches the same answer in a few dozen fixed-point rounds.
  if (population <= EXACT_MVA_LIMIT) {
    const queue = new Map<Station, number>(l.stations.map((s) => [s, 0]));
    let result = { rate: 0, latencySecs: overheadSecs };
    for (let n = 1; n <= population; n++) result = mvaStep(l, n, overheadSecs, queue, 1);
    return result;
  }
  const queue = new Map<Station, number>(l.stations.map((s) => [s, population / Math.max(1, l.stations.length)]));
  let result = { rate: 0, latencySecs: overheadSecs };
  for (let round = 0; round < 500; round++) {
    const before = result.rate;
    result = mvaStep(l, population, overheadSecs, queue, (population - 1) / population);
    if (round > 2 && Math.abs(result.rate - before) <= 1e-9 * Math.max(1, result.rate)) break;
  }
  return result;
}

/** Trees at or below this many use exact mean value analysis. */
const EXACT_MVA_LIMIT = 400;

/**
 * One MVA step at population `n`: residence times from the queues seen on arrival (`queue` × `seen`), the tree
 * latency, the throughput by Little's law, and the new queues (written back into `queue`).
 */
function mvaStep(l: Layout, n: number, overheadSecs: number, queue: Map<Station, number>, seen: number): { rate: number; latencySecs: number } {
  const queued = new Map<Station, number>();
  const residence = (s: Station): number => {
    // Seidmann: c servers ≈ one server c times as fast plus a delay of the rest of the service time.
    const fast = s.serviceSecs / s.concurrency;
    const r = fast * (1 + seen * queue.get(s)!);
    queued.set(s, r);
    return r + (s.serviceSecs - fast);
  };
  const latencySecs = overheadSecs + longestPath(l.figures, componentTimes(l, residence));
  const rate = latencySecs > 0 ? n / latencySecs : Infinity;
  for (const s of l.stations) queue.set(s, rate * s.visits * (queued.get(s) ?? 0));
  return { rate, latencySecs };
}

// ---------------------------------------------------------------------------------------------------------------
// Predictions

export type Limit = 'sources' | 'pending' | 'saturation' | 'cores';

export interface ComponentPrediction {
  id: string;
  tasks: number;
  concurrency: number;
  /** Tuples executed (bolts) or roots emitted (spouts) per second, all tasks. */
  ratePerSec: number;
  /** The busiest task's utilization (0..1; 1 means saturated). */
  utilization: number;
  /** Mean over tasks. */
  meanUtilization: number;
}

export interface Prediction {
  /** Root tuples per second completed. */
  rate: number;
  /** What holds the rate where it is. */
  limitedBy: Limit;
  /** The component whose busiest task saturates first. */
  bottleneck: string | null;
  /** The root rate at which it saturates. */
  saturationRate: number;
  /** The most the machines' cores allow (Infinity when unknown): no prediction goes past it. */
  coresRate: number;
  completeLatencySecs: number;
  components: ComponentPrediction[];
}

/**
 * The fixed part of the complete latency: what the observed latency has beyond the model's at the current rate.
 * Zero when nothing was observed.
 */
export function overheadSecs(figures: TopologyFigures): number {
  const observed = figures.completeLatencySecs;
  if (observed === null || observed <= 0) return 0;
  const l = layout(figures);
  const rate = currentRate(figures);
  const population = treesAllowed(l);
  // Held back by max.spout.pending (Little's law: the trees in flight fill the limit): the trees queue where the
  // closed loop says they do, at a saturated bottleneck above all. Only what is left over is overhead.
  const held = population !== null && l.offeredRate === undefined && rate * observed >= PENDING_BOUND * population;
  const modelled = held ? closedLoop(l, population, 0).latencySecs : openLatency(l, rate);
  return Number.isFinite(modelled) ? Math.max(0, observed - modelled) : 0;
}

/** Trees in flight at or above this share of spout tasks × pending: the limit holds the spouts back. */
export const PENDING_BOUND = 0.8;

/** Spout tasks × max.spout.pending, or null when there is no limit. */
export function treesAllowed(l: Layout): number | null {
  if (l.maxSpoutPending === null || !(l.maxSpoutPending > 0)) return null;
  const spoutTasks = l.figures.components.filter((c) => c.kind === 'spout').reduce((n, c) => n + l.tasks.get(c.id)!, 0);
  return spoutTasks * l.maxSpoutPending;
}

/** What the topology does with a change applied (or as it is, with none). */
export function predict(figures: TopologyFigures, change: Change = {}): Prediction {
  const l = layout(figures, change);
  const overhead = overheadSecs(figures);
  const saturation = saturationRate(l);
  const cores = coresRate(l);
  // The spouts' own round trips cap what they offer, whatever the sources have.
  const spouts = spoutRate(l);
  const offered = Math.min(l.offeredRate ?? Infinity, spouts);
  const population = treesAllowed(l);

  let rate: number;
  let limitedBy: Limit;
  let latency: number;
  const closed = population !== null ? closedLoop(l, population, overhead) : null;
  if (closed && closed.rate < offered && cores < closed.rate) {
    // The cores cannot run what the bolts could: every allowed tree is in flight, at the rate the cores allow.
    rate = cores;
    latency = population! / cores;
    limitedBy = 'cores';
  } else if (closed && closed.rate < offered) {
    rate = closed.rate;
    latency = closed.latencySecs;
    limitedBy = rate >= 0.9 * saturation.rate ? 'saturation' : 'pending';
  } else if (offered < Math.min(saturation.rate, cores) || (offered === spouts && spouts <= Math.min(saturation.rate, cores))) {
    rate = offered;
    latency = overhead + openLatency(l, offered);
    limitedBy = offered === spouts && spouts < (l.offeredRate ?? Infinity) ? 'saturation' : 'sources';
  } else {
    // No pending limit and more offered than the bolts (or the cores) take: they run flat out and trees time out.
    rate = Math.min(saturation.rate, cores);
    latency = Infinity;
    limitedBy = cores < saturation.rate ? 'cores' : 'saturation';
  }

  const busy = utilizations(l, rate);
  const components: ComponentPrediction[] = figures.components.map((c) => {
    const own = l.stations.filter((s) => s.component === c.id);
    const u = own.map((s) => busy.get(s)!);
    return {
      id: c.id,
      tasks: l.tasks.get(c.id)!,
      concurrency: l.concurrency.get(c.id)!,
      ratePerSec: rate * sum(own.map((s) => s.visits)),
      utilization: Math.max(0, ...u),
      meanUtilization: u.length ? sum(u) / u.length : 0,
    };
  });
  return { rate, limitedBy, bottleneck: saturation.component, saturationRate: saturation.rate, coresRate: cores, completeLatencySecs: latency, components };
}
