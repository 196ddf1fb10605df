/**
 * Figures for the model from what can be observed: the topology's spec and config, the measurement lines squall
 * components send (true service times, CPU, per-stream emits, hot keys), and the Storm UI's counts for whatever
 * sent no measurements (Java and plain shell components, or squall ones with measurements off). Pure: the CLI
 * fetches, this combines, and says which figures are coarse and why.
 */
import type { ComponentSpec, TopologySpec } from '../topology/spec.js';
import type { BoltStats, SpoutStats, TopologyStats } from '../ui/client.js';
import type { SourceMetrics, TaskMetrics } from '../wire/metrics-line.js';
import type { ComponentFigures, Edge, HotKey, SourceFigures, TaskFigures, TopologyFigures } from './figures.js';

export interface Observation {
  spec: TopologySpec;
  maxSpoutPending: number | null;
  messageTimeoutSecs: number;
  workers: number;
  /** The latest measurement of each task (an older one of the same task is ignored). */
  metrics: TaskMetrics[];
  /** The UI's view over its window, when there is a UI to ask. */
  ui?: TopologyStats;
  /** Where each task runs (`host:port`), to name a slow instance. */
  hosts?: ReadonlyMap<number, string>;
  /** Mean complete latency and failures per second, when known other than from the UI. */
  completeLatencySecs?: number | null;
  failedPerSec?: number;
  /**
   * CPU cores of the machines the topology runs on: `os.cpus().length` for a run on this machine; on a cluster the
   * supervisors' (their summaries carry them). Unknown: no cores bound.
   */
  cores?: number;
}

export interface Collected {
  figures: TopologyFigures;
  /** One line per component whose figures are coarser than the measurements would give, with the reason. */
  coarse: string[];
  /** Components with no figures at all (no measurements and no UI counts): the model leaves them idle. */
  missing: string[];
}

export function collect(o: Observation): Collected {
  const latest = newestPerTask(o.metrics, 1);
  const coarse: string[] = [];
  const missing: string[] = [];
  const components: ComponentFigures[] = [];
  const uptime = o.ui ? windowOf(o.ui) : null;
  const runFree = spoutsRunFree(o, latest);
  for (const spec of o.spec.components) {
    const c = withClusterCounts(spec, o.ui);
    const measured = latest.filter((m) => m.component === c.id);
    if (measured.length > 0) {
      components.push(fromMetrics(c, measured, o.hosts, runFree));
      if (measured.length < c.tasks) coarse.push(`${c.id}: ${measured.length} of ${c.tasks} tasks sent measurements; the others are assumed alike`);
      continue;
    }
    const figures = o.ui && uptime ? fromUi(c, o.ui, uptime) : null;
    if (figures) {
      components.push(figures.component);
      coarse.push(`${c.id}: ${figures.why}`);
    } else {
      missing.push(c.id);
      components.push(idle(c));
    }
  }
  const totals = o.ui?.totals;
  const window = uptime ?? 0;
  const failedPerSec = o.failedPerSec ?? (totals?.failed != null && window > 0 ? totals.failed / window : 0);
  const completeLatencySecs =
    o.completeLatencySecs !== undefined ? o.completeLatencySecs : totals?.completeLatencyMs != null ? totals.completeLatencyMs / 1000 : null;
  return {
    figures: {
      components,
      edges: edgesOf(o.spec),
      maxSpoutPending: o.maxSpoutPending,
      messageTimeoutSecs: o.messageTimeoutSecs,
      completeLatencySecs,
      failedPerSec,
      workers: o.workers,
      ...(o.cores !== undefined && o.cores > 0 ? { cores: o.cores } : {}),
      ...coreShareOf(latest),
      ...(conf(o, 'topology.disable.loadaware.messaging') === true ? { loadAwareShuffle: false } : {}),
    },
    coarse,
    missing,
  };
}

/**
 * One measurement per task from all its lines (e.g. every interval of a run, or the last N lines of a worker log):
 * counts and times add up over the intervals, and so do the key counts (an approximation for keys that dropped
 * out of a task's sketch in some intervals).
 */
export function aggregateMetrics(lines: readonly TaskMetrics[]): TaskMetrics[] {
  const byTask = new Map<string, TaskMetrics>();
  for (const m of lines) {
    const key = `${m.component}\u0000${m.task}`;
    const sum = byTask.get(key);
    if (!sum) {
      byTask.set(key, {
        ...m,
        emitted: { ...m.emitted },
        ...(m.keys ? { keys: m.keys.map(([k, n]) => [k, n] as [string, number]) } : {}),
        ...(m.spread ? { spread: m.spread.map((counts) => [...counts]) } : {}),
      });
      continue;
    }
    sum.at = Math.max(sum.at, m.at);
    sum.secs += m.secs;
    sum.executed += m.executed;
    sum.busySecs += m.busySecs;
    // Lines from an SDK that did not split the busy time leave the split unknown for the sum.
    sum.loopSecs = sum.loopSecs !== undefined && m.loopSecs !== undefined ? sum.loopSecs + m.loopSecs : undefined;
    sum.awaitSecs = sum.awaitSecs !== undefined && m.awaitSecs !== undefined ? sum.awaitSecs + m.awaitSecs : undefined;
    sum.cpuSecs += m.cpuSecs;
    sum.concurrency = Math.max(sum.concurrency, m.concurrency);
    if (m.nexts !== undefined) sum.nexts = (sum.nexts ?? 0) + m.nexts;
    if (m.emptyNexts !== undefined) sum.emptyNexts = (sum.emptyNexts ?? 0) + m.emptyNexts;
    // A spout's round trip is known for the sum only when every line measured it.
    const both = sum.turnarounds !== undefined && m.turnarounds !== undefined && sum.turnaroundSecs !== undefined && m.turnaroundSecs !== undefined;
    // The short gap of the sum: the lines' short gaps weighed by how many gaps each saw.
    const gaps = both ? sum.turnarounds! + m.turnarounds! : 0;
    sum.turnaroundSecs = both ? (gaps > 0 ? (sum.turnaroundSecs! * sum.turnarounds! + m.turnaroundSecs! * m.turnarounds!) / gaps : 0) : undefined;
    for (const k of ['commands', 'commandSecs', 'turnarounds'] as const) {
      sum[k] = sum[k] !== undefined && m[k] !== undefined ? sum[k] + m[k] : undefined;
    }
    for (const [stream, n] of Object.entries(m.emitted)) sum.emitted[stream] = (sum.emitted[stream] ?? 0) + n;
    if (m.spread) {
      sum.spread = m.spread.map((counts, i) => counts.map((c, k) => c + (sum.spread?.[i]?.[k] ?? 0)));
    }
    if (m.source) sum.source = sum.source ? laterSource(sum.source, m.source) : { ...m.source };
    if (m.keys) {
      const counts = new Map(sum.keys ?? []);
      for (const [k, n] of m.keys) counts.set(k, (counts.get(k) ?? 0) + n);
      sum.keys = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 10);
      sum.keyed = (sum.keyed ?? 0) + (m.keyed ?? 0);
    }
  }
  return [...byTask.values()];
}

/**
 * One task's source block over two consecutive stretches (`earlier`, then `later`): the counts add up, the gauges
 * are the later sample's, and the lag before is the earlier stretch's, so the growth spans both.
 */
function laterSource(earlier: SourceMetrics, later: SourceMetrics): SourceMetrics {
  const sampled = later.sampledAt !== null;
  // Where the growth starts: the earliest sample there is.
  const start =
    earlier.lagBefore !== null
      ? { lag: earlier.lagBefore, at: earlier.lagBeforeAt }
      : earlier.lag !== null && earlier.sampledAt !== null
        ? { lag: earlier.lag, at: earlier.sampledAt }
        : { lag: later.lagBefore, at: later.lagBeforeAt };
  return {
    ...later,
    lag: sampled ? later.lag : earlier.lag,
    pending: sampled ? later.pending : earlier.pending,
    sampledAt: sampled ? later.sampledAt : earlier.sampledAt,
    lagBefore: start.lag,
    lagBeforeAt: start.at,
    read: earlier.read + later.read,
    replayed: earlier.replayed + later.replayed,
    deadLettered: earlier.deadLettered + later.deadLettered,
    ...(earlier.claimed !== undefined || later.claimed !== undefined ? { claimed: (earlier.claimed ?? 0) + (later.claimed ?? 0) } : {}),
  };
}

/**
 * A spout's source over its tasks' lines. Gauges belong to a source (kind, name, group), not to a task: the lag and
 * pending of each source are its newest sample's, and its growth runs from the oldest sample any of its tasks
 * reported (a line's own or its `lagBefore`) to that newest one, so a task that just restarted (one line, no
 * `lagBefore`) does not hide the growth its siblings saw. A sample taken more than two intervals before its line
 * (the spout stalled, Redis down, the group gone) is unknown, never reported as current. Distinct sources add up;
 * the counts are per second over all lines.
 */
export function sourceOf(measured: readonly TaskMetrics[]): SourceFigures | undefined {
  const withSource = measured.filter((m) => m.source !== undefined);
  if (withSource.length === 0) return undefined;
  interface Point {
    lag: number;
    at: number;
  }
  const bySource = new Map<string, { source: SourceMetrics; newest?: SourceMetrics; points: Point[] }>();
  for (const m of withSource) {
    const s = m.source!;
    const key = `${s.kind}\u0000${s.name}\u0000${s.group ?? ''}`;
    const entry = bySource.get(key) ?? bySource.set(key, { source: s, points: [] }).get(key)!;
    if (s.sampledAt === null || s.sampledAt < m.at - 2 * m.secs * 1000) continue;
    if (!entry.newest || s.sampledAt > entry.newest.sampledAt!) entry.newest = s;
    if (s.lag !== null) entry.points.push({ lag: s.lag, at: s.sampledAt });
    if (s.lagBefore !== null && s.lagBeforeAt !== null) entry.points.push({ lag: s.lagBefore, at: s.lagBeforeAt });
  }
  const sources = [...bySource.values()];
  const known = (values: Array<number | null>): number | null => (values.some((v) => v !== null) ? values.reduce<number>((n, v) => n + (v ?? 0), 0) : null);
  const growth = ({ points }: { points: Point[] }): number | null => {
    if (points.length < 2) return null;
    const first = points.reduce((a, b) => (b.at < a.at ? b : a));
    const last = points.reduce((a, b) => (b.at > a.at ? b : a));
    return last.at > first.at ? (last.lag - first.lag) / ((last.at - first.at) / 1000) : null;
  };
  const perSec = (count: (s: SourceMetrics) => number): number => withSource.reduce((n, m) => n + (m.secs > 0 ? count(m.source!) / m.secs : 0), 0);
  return {
    kind: [...new Set(sources.map((s) => s.source.kind))].join(', '),
    name: [...new Set(sources.map((s) => s.source.name))].join(', '),
    lag: known(sources.map((s) => s.newest?.lag ?? null)),
    pending: known(sources.map((s) => s.newest?.pending ?? null)),
    lagGrowthPerSec: known(sources.map(growth)),
    readPerSec: perSec((s) => s.read),
    replayedPerSec: perSec((s) => s.replayed),
    claimedPerSec: perSec((s) => s.claimed ?? 0),
    deadLetteredPerSec: perSec((s) => s.deadLettered),
    deadLettered: withSource.reduce((n, m) => n + m.source!.deadLettered, 0),
    windowSecs: Math.max(...withSource.map((m) => m.secs)),
  };
}

export function edgesOf(spec: TopologySpec): Edge[] {
  return spec.components.flatMap((c) => c.inputs.map((i) => ({ from: i.component, stream: i.stream, to: c.id, grouping: i.grouping.type })));
}

/** Each task's newest `count` measurement lines (oldest first within a task), tasks in task order. */
export function newestPerTask(metrics: readonly TaskMetrics[], count: number): TaskMetrics[] {
  const byTask = new Map<string, TaskMetrics[]>();
  for (const m of metrics) {
    const key = `${m.component}\u0000${m.task}`;
    (byTask.get(key) ?? byTask.set(key, []).get(key)!).push(m);
  }
  return [...byTask.values()]
    .sort((a, b) => a[0]!.task - b[0]!.task)
    .flatMap((lines) => lines.sort((a, b) => a.at - b.at).slice(-count));
}

/** From the components' own measurements: the precise path. */
function fromMetrics(c: ComponentSpec, measured: TaskMetrics[], hosts: ReadonlyMap<number, string> | undefined, runFree: boolean): ComponentFigures {
  // A spout that emits without message ids has no roots: its emits are its unit of work.
  const unitsOf = (m: TaskMetrics): number => (c.kind === 'spout' && m.executed === 0 ? sumValues(m.emitted) : m.executed);
  const units = measured.reduce((n, m) => n + unitsOf(m), 0);
  const busy = measured.reduce((n, m) => n + m.busySecs, 0);
  const cpu = measured.reduce((n, m) => n + m.cpuSecs, 0);
  const awaited = awaitedOf(measured);
  const concurrency = Math.max(1, ...measured.map((m) => m.concurrency));
  const emitted: Record<string, number> = {};
  for (const m of measured) for (const [stream, n] of Object.entries(m.emitted)) emitted[stream] = (emitted[stream] ?? 0) + n;
  const perUnit = (x: number): number => (units > 0 ? x / units : 0);
  // One process per task and one thread in it: a synchronous task is busy for its handler time or its CPU
  // (parsing and writing included), whichever is more. Async work overlaps, so there the wall time is the measure.
  const service = (b: number, u: number, c: number): number => (u > 0 ? (concurrency > 1 ? b / u : Math.max(b, c) / u) : 0);
  // Storm asks a multi-lang spout for the next tuple only after its sync for the previous one: a spout that always
  // has data and is not held back by max.spout.pending is busy for the whole round trip, not just its handler.
  const roundTrip = (m: TaskMetrics): boolean =>
    c.kind === 'spout' && runFree && (m.nexts ?? 0) > 0 && (m.emptyNexts ?? 0) / m.nexts! < SOURCE_EMPTY_SHARE;
  const taskService = (m: TaskMetrics): number => {
    if (roundTrip(m) && unitsOf(m) > 0) return m.secs / unitsOf(m);
    // Held back (by max.spout.pending or its sources), a spout's wall time says nothing of its round trip: its own
    // time per command and Storm's turnaround after each, as measured, do.
    const trip = c.kind === 'spout' ? spoutRoundTrip(m) : undefined;
    if (trip !== undefined && unitsOf(m) > 0) return trip / unitsOf(m);
    return service(m.busySecs, unitsOf(m), m.cpuSecs);
  };
  const taskFigures: TaskFigures[] = measured.map((m) => {
    const host = hosts?.get(m.task);
    return { task: m.task, ratePerSec: m.secs > 0 ? unitsOf(m) / m.secs : 0, serviceSecs: taskService(m), ...(host ? { host } : {}) };
  });
  const nexts = measured.reduce((n, m) => n + (m.nexts ?? 0), 0);
  const emptyNexts = measured.reduce((n, m) => n + (m.emptyNexts ?? 0), 0);
  const out: ComponentFigures = {
    id: c.id,
    kind: c.kind,
    tasks: c.tasks,
    executors: c.parallelism,
    concurrency,
    serviceSecs: measured.some(roundTrip) || (c.kind === 'spout' && measured.every((m) => spoutRoundTrip(m) !== undefined)) ? mean(taskFigures.map((t) => t.serviceSecs)) : service(busy, units, cpu),
    cpuSecs: perUnit(cpu),
    ...(awaited !== undefined ? { awaitSecs: perUnit(awaited) } : {}),
    emitsPerTuple: Object.fromEntries(Object.entries(emitted).map(([s, n]) => [s, perUnit(n)])),
    taskFigures,
  };
  if (c.kind === 'spout') {
    out.rootRate = taskFigures.reduce((n, t) => n + t.ratePerSec, 0);
    if (nexts > 0) out.emptyNextShare = emptyNexts / nexts;
    const source = sourceOf(measured);
    if (source) out.source = source;
  }
  const keys = hotKeysOf(measured);
  if (keys.length) out.hotKeys = keys;
  const spread = spreadOf(measured);
  if (spread) out.keySpread = spread;
  return out;
}

/** A task this busy (share of its interval in handlers) was runnable throughout, if its handler held the CPU. */
const RUNNABLE_BUSY = 0.8;

/**
 * The share of a core a runnable process got: CPU over busy time of the synchronous bolt tasks busy nearly all the
 * interval (a synchronous handler holds the event loop, so while busy the process wanted a core; what it got is its
 * CPU). Absent without such a task, or when they got a whole core (nothing else competed).
 */
export function coreShareOf(latest: readonly TaskMetrics[]): { coreShare?: number } {
  const shares = latest
    .filter((m) => m.kind === 'bolt' && m.concurrency === 1 && m.loopSecs !== undefined && m.awaitSecs !== undefined)
    .filter((m) => m.secs > 0 && m.busySecs >= RUNNABLE_BUSY * m.secs && m.awaitSecs! <= 0.05 * m.busySecs)
    .map((m) => Math.min(1, m.cpuSecs / m.busySecs));
  if (shares.length === 0) return {};
  const share = mean(shares);
  return share > 0 && share < 0.95 ? { coreShare: share } : {};
}

/**
 * Wall seconds a spout task's round trips would take over the interval unhindered: its own time per command plus
 * Storm's turnaround (a short measured gap) for every command, the `next`s and the acks alike. Undefined when the
 * line lacks them (an older SDK) or saw no gap.
 */
export function spoutRoundTrip(m: TaskMetrics): number | undefined {
  if (m.commands === undefined || m.commandSecs === undefined || !m.turnarounds || m.turnaroundSecs === undefined) return undefined;
  // A spout whose source often had nothing is held by its source, not by its round trip; its empty-handed `next`s
  // are no part of a tree's cost.
  const empty = m.emptyNexts ?? 0;
  if (m.nexts && empty / m.nexts >= SOURCE_EMPTY_SHARE) return undefined;
  return m.commandSecs + Math.max(0, m.commands - empty) * m.turnaroundSecs;
}

/**
 * Seconds the handlers awaited with the event loop free, over all tasks: the await time less the CPU the process
 * spent beyond its handlers' time on the loop (work done in continuations after an await is CPU, not waiting).
 * Undefined when a line lacks the split (an older SDK).
 */
function awaitedOf(measured: TaskMetrics[]): number | undefined {
  let total = 0;
  for (const m of measured) {
    if (m.awaitSecs === undefined || m.loopSecs === undefined) return undefined;
    total += Math.max(0, m.awaitSecs - Math.max(0, m.cpuSecs - m.loopSecs));
  }
  return total;
}

/** Heavy keys over all tasks: each key lives on one task under a fields grouping, so counts add up. */
function hotKeysOf(measured: TaskMetrics[]): HotKey[] {
  const keyed = measured.reduce((n, m) => n + (m.keyed ?? 0), 0);
  if (keyed === 0) return [];
  const counts = new Map<string, number>();
  for (const m of measured) for (const [key, n] of m.keys ?? []) counts.set(key, (counts.get(key) ?? 0) + n);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([key, n]) => ({ key, share: n / keyed }));
}

/** Where the keyed input would land at each other task count: every task's tallies added up. */
function spreadOf(measured: TaskMetrics[]): Record<number, number[]> | undefined {
  const out: Record<number, number[]> = {};
  for (const m of measured) {
    m.spread?.forEach((counts, i) => {
      const n = i + 2;
      const sum = (out[n] ??= new Array<number>(n).fill(0));
      counts.forEach((c, k) => (sum[k]! += c));
    });
  }
  return Object.keys(out).length ? out : undefined;
}

/** From the UI's counts: sampled, per component, and for multi-lang bolts a latency that includes queueing. */
function fromUi(c: ComponentSpec, ui: TopologyStats, windowSecs: number): { component: ComponentFigures; why: string } | null {
  const streams = Object.keys(c.outputs);
  const split = (emitted: number | null, units: number): Record<string, number> =>
    Object.fromEntries(streams.map((s) => [s, units > 0 && emitted !== null ? emitted / units / streams.length : 0]));
  const base = { id: c.id, kind: c.kind, tasks: c.tasks, executors: c.parallelism, concurrency: 1 };
  const several = streams.length > 1 ? '; its emits are split evenly over its streams' : '';
  if (c.kind === 'spout') {
    const s: SpoutStats | undefined = ui.spouts.find((x) => x.id === c.id);
    if (!s || s.acked === null) return null;
    const roots = s.acked + (s.failed ?? 0);
    return {
      component: { ...base, serviceSecs: 0, emitsPerTuple: split(s.emitted, roots), rootRate: roots / windowSecs },
      why: `Storm UI counts only (sampled; no time per tuple measured inside the spout)${several}`,
    };
  }
  const b: BoltStats | undefined = ui.bolts.find((x) => x.id === c.id);
  if (!b || b.executed === null) return null;
  const multilang = c.impl.type !== 'java';
  const latencyMs = multilang ? b.processLatencyMs : b.executeLatencyMs;
  return {
    component: { ...base, serviceSecs: (latencyMs ?? 0) / 1000, emitsPerTuple: split(b.emitted, b.executed) },
    why: multilang
      ? `Storm UI counts only: service time from processLatency, which includes waiting in the subprocess's queue (an overestimate under load)${several}`
      : `Storm UI counts and executeLatency (sampled)${several}`,
  };
}

/** Tasks and executors as the cluster runs them (a rebalance changes executors; the UI knows), else the spec's. */
function withClusterCounts(c: ComponentSpec, ui: TopologyStats | undefined): ComponentSpec {
  const running = c.kind === 'spout' ? ui?.spouts.find((s) => s.id === c.id) : ui?.bolts.find((b) => b.id === c.id);
  if (!running) return c;
  return { ...c, tasks: running.tasks ?? c.tasks, parallelism: running.executors ?? c.parallelism };
}

function idle(c: ComponentSpec): ComponentFigures {
  return { id: c.id, kind: c.kind, tasks: c.tasks, executors: c.parallelism, concurrency: 1, serviceSecs: 0, emitsPerTuple: {}, ...(c.kind === 'spout' ? { rootRate: 0 } : {}) };
}

/** Seconds the UI's counts cover: the window, or the uptime when the topology is younger. */
function windowOf(ui: TopologyStats): number | null {
  const candidates = [ui.windowSecs, ui.uptimeSeconds].filter((x): x is number => x !== null && x > 0);
  return candidates.length ? Math.min(...candidates) : null;
}

/** Below this share of empty-handed `next`s a spout always had data to emit. */
export const SOURCE_EMPTY_SHARE = 0.1;

/**
 * Whether the spouts run free of max.spout.pending: trees in flight (rate × complete latency, Little's law) well
 * under spout tasks × pending, or no limit at all.
 */
function spoutsRunFree(o: Observation, latest: readonly TaskMetrics[]): boolean {
  const pending = o.maxSpoutPending;
  const latency = o.completeLatencySecs ?? (o.ui?.totals?.completeLatencyMs != null ? o.ui.totals.completeLatencyMs / 1000 : null);
  if (pending === null || latency === null) return pending === null;
  const spoutTasks = o.spec.components.filter((c) => c.kind === 'spout').reduce((n, c) => n + c.tasks, 0);
  // Root tuples per second over the spouts' latest measurements.
  const rate = latest.filter((m) => m.kind === 'spout').reduce((n, m) => n + (m.secs > 0 ? (m.executed || sumValues(m.emitted)) / m.secs : 0), 0);
  return rate * latency < 0.8 * spoutTasks * pending;
}

/** A topology config value: the UI's configuration (as it runs) over the spec's. */
function conf(o: Observation, key: string): unknown {
  return o.ui?.configuration?.[key] ?? o.spec.config[key];
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

function sumValues(record: Record<string, number>): number {
  let n = 0;
  for (const v of Object.values(record)) n += v;
  return n;
}
