/**
 * What holds a topology back, each with its evidence and whether more tasks would help: the diagnosis half of
 * `squall doctor`. Pure functions over the figures and the model (./model.ts).
 */
import type { ComponentFigures, TopologyFigures } from './figures.js';
import { firstTaskIndexes } from '../topology/executors.js';
import { arrivalRate, backlogGrows, backlogTarget, coresRate, currentRate, hasBacklog, layout, saturationRate, utilizations } from './model.js';

/** At or above this utilization a task is busy enough for tuples to queue in front of it. */
export const SATURATED = 0.8;
/** Below this utilization everywhere, the topology has more processes than its load needs. */
export const OVER_PROVISIONED = 0.2;
/** A task this many times slower per tuple than the median of its peers is a slow instance. */
export const SLOW_FACTOR = 1.5;
/**
 * ...and the extra time costs it at least this share of its seconds at its rate: a difference that matters, not
 * 0.01 ms against 0.006 ms.
 */
export const SLOW_MIN_LOAD = 0.1;
/** Figures that put a task this busy at the observed rate (or the saturation this far under it) cannot be right. */
export const IMPOSSIBLE_BUSY = 1.2;
/** The cores are this busy with the topology's processes: more processes on them cannot add much. */
export const CORES_BUSY = 0.8;
/** A keyed input is skewed when one task gets this many times its even share, and at least SKEW_MIN_EXCESS more. */
export const SKEW_FACTOR = 1.5;
export const SKEW_MIN_EXCESS = 0.1;
/** When the heaviest key is this much of the hottest task's share, scaling cannot relieve that task. */
export const HOT_KEY_DOMINATES = 0.8;
/** Trees in flight at or above this fraction of the pending limit mean the spouts wait on max.spout.pending. */
export const PENDING_FULL = 0.8;
/** Complete latency at or above this fraction of the message timeout means trees are about to time out. */
export const TIMEOUT_NEAR = 0.5;

export type FindingKind =
  | 'bottleneck'
  | 'pending-limit'
  | 'skew'
  | 'uneven-shuffle'
  | 'slow-instance'
  | 'timeouts'
  | 'over-provisioned'
  | 'source-limited'
  | 'backlog'
  | 'dead-letters'
  | 'cores'
  | 'unreliable';

export interface Finding {
  kind: FindingKind;
  component?: string;
  /** Task index within the component (slow instance). */
  task?: number;
  host?: string;
  /** Whether adding tasks or executors addresses it. */
  scalingHelps: boolean;
  /** One or two sentences a person can act on. */
  message: string;
  /** The figures behind the message. */
  evidence: Record<string, number | string | string[]>;
}

export interface ComponentLoad {
  id: string;
  kind: 'spout' | 'bolt';
  tasks: number;
  /** Tuples executed (or roots emitted) per second, all tasks. */
  ratePerSec: number;
  serviceSecs: number;
  /** Share of the service time spent on CPU, when measured. */
  cpuShare: number | null;
  /** Busiest task. */
  utilization: number;
  /** How many times the current rate this component could take before its busiest task saturates. */
  headroom: number;
}

export interface Diagnosis {
  rate: number;
  /** The component that saturates first as load grows. */
  bottleneck: string | null;
  /** The root rate at which it saturates. */
  saturationRate: number;
  /** The most the machines' cores allow at the CPU spent per tree (Infinity when unknown). */
  coresRate: number;
  components: ComponentLoad[];
  findings: Finding[];
  /** The figures contradict the observed rate (see the 'unreliable' finding): no plan rests on them. */
  unreliable: boolean;
}

export function diagnose(figures: TopologyFigures): Diagnosis {
  const l = layout(figures);
  const rate = currentRate(figures);
  const busy = utilizations(l, rate);
  const saturation = saturationRate(l);
  const components: ComponentLoad[] = figures.components.map((c) => {
    const own = l.stations.filter((s) => s.component === c.id);
    const utilization = Math.max(0, ...own.map((s) => busy.get(s)!));
    const visits = own.reduce((n, s) => n + s.visits, 0);
    return {
      id: c.id,
      kind: c.kind,
      tasks: c.tasks,
      ratePerSec: rate * visits,
      serviceSecs: c.serviceSecs,
      cpuShare: c.cpuSecs !== undefined && c.serviceSecs > 0 ? Math.min(1, c.cpuSecs / c.serviceSecs) : null,
      utilization,
      headroom: utilization > 0 ? 1 / utilization : Infinity,
    };
  });

  const findings: Finding[] = [];
  const top = [...components].sort((a, b) => b.utilization - a.utilization)[0];
  const unreliable = unreliableFinding(figures, components, rate, saturation.rate);
  if (unreliable) findings.push(unreliable);
  const slow = figures.components.flatMap((c) => slowInstances(c));
  const slowComponents = new Set(slow.map((f) => f.component));
  for (const c of figures.components) {
    const skew = skewOf(figures, c, rate);
    if (skew) findings.push(skew);
    const uneven = unevenShuffle(figures, c);
    if (uneven) findings.push(uneven);
  }
  const cores = coresRate(l);
  if (rate > 0 && rate >= CORES_BUSY * cores) {
    findings.push({
      kind: 'cores',
      scalingHelps: false,
      message:
        `the ${figures.cores} core(s) the topology runs on are about ${percent(rate / cores)} busy with its processes ` +
        `(${ms(figures.cores! / cores)} CPU per tuple tree; they allow about ${fixed(cores)} trees/s): more processes on the ` +
        'same cores cannot go past that, and a task waiting for a core looks busy without using the CPU.',
      evidence: { cores: figures.cores!, coresRate: cores, rate },
    });
  }
  findings.push(...slow);
  const explained = (id: string) => findings.some((f) => (f.kind === 'skew' || f.kind === 'uneven-shuffle') && f.component === id);
  if (!unreliable && top && top.utilization >= SATURATED && !slowComponents.has(top.id) && !explained(top.id)) {
    findings.unshift({
      kind: 'bottleneck',
      component: top.id,
      scalingHelps: true,
      message:
        top.kind === 'spout'
          ? `${top.id} is the bottleneck: each of its ${top.tasks} task(s) emits one tree per next/sync round trip ` +
            `(${ms(top.serviceSecs)}), since Storm asks a multi-lang spout for the next tuple only after the last sync; ` +
            'more spout tasks raise the rate, and so does emitting several tuples per nextTuple.'
          : `${top.id} is the bottleneck: its busiest task is ${percent(top.utilization)} busy ` +
            `(${fixed(top.ratePerSec)} tuples/s × ${ms(top.serviceSecs)} per tuple over ${top.tasks} task(s)); more tasks for it raise throughput.`,
      evidence: { utilization: top.utilization, ratePerSec: top.ratePerSec, serviceSecs: top.serviceSecs, tasks: top.tasks },
    });
  }

  const pending = unreliable ? null : pendingFinding(figures, rate, top?.utilization ?? 0);

  if (pending) findings.push(pending);
  const timeouts = timeoutFinding(figures);
  if (timeouts) findings.push(timeouts);
  const sources = sourceFindings(figures, rate);
  findings.push(...sources);
  // Not over-provisioned while a source's backlog grows: the load waiting there is more than the topology takes.
  const falling = sources.some((f) => f.kind === 'backlog');
  if (!unreliable && !falling && rate > 0 && components.every((c) => c.utilization < OVER_PROVISIONED)) {
    findings.push({
      kind: 'over-provisioned',
      scalingHelps: false,
      message: `every component is under ${percent(OVER_PROVISIONED)} busy at ${fixed(rate)} tuples/s: fewer tasks would carry this load.`,
      evidence: { rate, busiest: top?.utilization ?? 0 },
    });
  }
  return { rate, bottleneck: saturation.component, saturationRate: saturation.rate, coresRate: cores, components, findings, unreliable: unreliable !== null };
}

/**
 * Figures that contradict what is observed: a task busier than the clock allows at the rate the topology runs
 * now, or a saturation rate well under it. UI counts (sampled; processLatency with its queueing) do this; the
 * measurement lines should not.
 */
function unreliableFinding(figures: TopologyFigures, components: ComponentLoad[], rate: number, saturation: number): Finding | null {
  if (rate <= 0) return null;
  // A component whose tasks measured their busy time cannot contradict the clock: when it looks busier than that at
  // the spouts' root rate, roots are queueing in front of it (max.spout.pending still filling), which the bottleneck
  // finding names. Only coarse figures can be impossible.
  const measured = new Set(figures.components.filter((c) => c.taskFigures?.length).map((c) => c.id));
  const impossible = components.filter((c) => c.utilization > IMPOSSIBLE_BUSY && !measured.has(c.id));
  const allMeasured = figures.components.every((c) => measured.has(c.id));
  if (impossible.length === 0 && (allMeasured || saturation * IMPOSSIBLE_BUSY >= rate)) return null;
  const coarse = impossible.map((c) => c.id);
  return {
    kind: 'unreliable',
    scalingHelps: false,
    message:
      `the figures contradict the observed rate: at ${fixed(rate)} trees/s they would make ` +
      (impossible.length
        ? impossible.map((c) => `${c.id} ${percent(c.utilization)} busy`).join(', ')
        : `the topology saturate at ${fixed(saturation)} trees/s`) +
      ', which cannot be. They are unreliable' +
      (coarse.length ? ` (${coarse.join(', ')}: Storm UI counts only, sampled, with queueing inside processLatency)` : '') +
      ', so no plan rests on them; turn on the components\' measurement lines (squall.metrics.interval.secs) and read them (-e with SSH access to the workers, or squall run --ui).',
    evidence: { rate, saturationRate: saturation, impossible: impossible.map((c) => `${c.id}=${c.utilization.toFixed(2)}`) },
  };
}

/**
 * A shuffle that does not spread over a bolt's tasks, as measured (executed per task). Where executors hold several
 * tasks, Storm's load-aware shuffle sends each executor's tuples to its first task (it knows a load only for that
 * one): more executors, up to the tasks, spread them, and a rebalance does that without a redeploy.
 */
function unevenShuffle(figures: TopologyFigures, c: ComponentFigures): Finding | null {
  if (c.kind !== 'bolt' || !figures.edges.some((e) => e.to === c.id && (e.grouping === 'shuffle' || e.grouping === 'local_or_shuffle'))) return null;
  const tasks = c.taskFigures ?? [];
  const total = tasks.reduce((n, t) => n + t.ratePerSec, 0);
  const uneven = unevenShares(tasks.map((t) => t.ratePerSec));
  if (!uneven) return null;
  const { share: max, even } = uneven;
  const idle = tasks.filter((t) => t.ratePerSec <= 0.01 * total).map((t) => t.task);
  const busiest = tasks[uneven.index]!;
  const grouped = c.executors < c.tasks;
  const firsts = new Set(firstTaskIndexes(c.tasks, c.executors).map((i) => tasks[i]?.task));
  return {
    kind: 'uneven-shuffle',
    component: c.id,
    task: busiest.task,
    scalingHelps: true,
    message:
      `${c.id}'s shuffle does not spread: task ${busiest.task} executes ${percent(max)} of its tuples (even would be ${percent(even)})` +
      (idle.length ? `; task${idle.length > 1 ? 's' : ''} ${idle.join(', ')} executed none` : '') +
      (grouped
        ? `. ${c.id} runs ${c.tasks} tasks (one process each) in ${c.executors} executor(s); Storm's load-aware shuffle knows a load ` +
          `only for each executor's first task (${[...firsts].join(', ')}) and sends it every tuple. One executor per task spreads them: ` +
          `squall rebalance NAME -p ${c.id}=${c.tasks} (a rebalance, no redeploy; up to its ${c.tasks} tasks).`
        : '. Each task has its own executor: the spread follows the load each reports (a busy or slow task gets less).'),
    evidence: { share: max, evenShare: even, executors: c.executors, tasks: c.tasks, idleTasks: idle.map(String) },
  };
}

/** Tasks markedly slower per tuple than their peers: a host or instance problem that scaling does not fix. */
function slowInstances(c: ComponentFigures): Finding[] {
  const tasks = c.taskFigures ?? [];
  if (tasks.length < 2) return [];
  const out: Finding[] = [];
  for (let i = 0; i < tasks.length; i++) {
    const peers = tasks.filter((_, k) => k !== i).map((t) => t.serviceSecs);
    const median = medianOf(peers);
    const t = tasks[i]!;
    if (median > 0 && t.serviceSecs >= SLOW_FACTOR * median && (t.serviceSecs - median) * t.ratePerSec >= SLOW_MIN_LOAD) {
      // On one machine a slow task is that process, not a host.
      const hosts = new Set(tasks.flatMap((x) => (x.host ? [x.host.replace(/:\d+$/, '')] : [])));
      const where = hosts.size === 1 ? 'look at that instance (every task runs on the same host)' : 'look at that host or instance';
      out.push({
        kind: 'slow-instance',
        component: c.id,
        task: t.task,
        ...(t.host ? { host: t.host } : {}),
        scalingHelps: false,
        message:
          `task ${t.task} of ${c.id}${t.host ? ` on ${t.host}` : ''} takes ${ms(t.serviceSecs)} per tuple, ` +
          `${fixed(t.serviceSecs / median)}× its peers' ${ms(median)}: ${where}; adding tasks does not fix it.`,
        evidence: { task: t.task, serviceSecs: t.serviceSecs, peersMedianSecs: median, ...(t.host ? { host: t.host } : {}) },
      });
    }
  }
  return out;
}

/** A fields grouping that sends one task far more than its share; named keys, and whether scaling can help. */
function skewOf(figures: TopologyFigures, c: ComponentFigures, rate: number): Finding | null {
  if (!figures.edges.some((e) => e.to === c.id && e.grouping === 'fields')) return null;
  const tasks = c.taskFigures ?? [];
  const total = tasks.reduce((n, t) => n + t.ratePerSec, 0);
  const uneven = unevenShares(tasks.map((t) => t.ratePerSec));
  if (!uneven) return null;
  const { share: max, even } = uneven;
  const hottest = tasks[uneven.index]!;
  const keys = (c.hotKeys ?? []).slice(0, 3);
  const heaviest = keys[0]?.share ?? 0;
  // The task holding the heaviest key carries at least that key's share whatever the task count: when the key is
  // most of the hottest task's load, more tasks cannot relieve it.
  const keyLoad = rate > 0 ? (total * heaviest * c.serviceSecs) / Math.max(1, c.concurrency) : 0;
  const scalingHelps = heaviest < HOT_KEY_DOMINATES * max;
  return {
    kind: 'skew',
    component: c.id,
    task: hottest.task,
    scalingHelps,
    message:
      `${c.id}'s fields grouping is skewed: task ${hottest.task} gets ${percent(max)} of the tuples (even would be ${percent(even)})` +
      (keys.length ? `; hot key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k.key}" (${percent(k.share)})`).join(', ')}` : '') +
      (scalingHelps
        ? '. More tasks spread the other keys but not the hot one.'
        : `. That key alone keeps one task ${percent(keyLoad)} busy and more tasks cannot share it: split the key (e.g. a two-stage count with a random suffix) or pre-aggregate it.`),
    evidence: { share: max, evenShare: even, hotKeys: keys.map((k) => `${k.key}=${k.share.toFixed(3)}`), heaviestKeyUtilization: keyLoad },
  };
}

/**
 * The most loaded of several parts (tasks, executors) when the load is uneven enough to matter: at least
 * SKEW_FACTOR times its even share and SKEW_MIN_EXCESS over it. Null when even, or fewer than two parts. The one
 * rule for doctor's skew and uneven-shuffle findings and `squall stats -c`.
 */
export function unevenShares(rates: readonly number[]): { index: number; share: number; even: number } | null {
  const total = rates.reduce((a, b) => a + b, 0);
  if (rates.length < 2 || total <= 0) return null;
  const even = 1 / rates.length;
  const shares = rates.map((r) => r / total);
  const share = Math.max(...shares);
  if (share < SKEW_FACTOR * even || share - even < SKEW_MIN_EXCESS) return null;
  return { index: shares.indexOf(share), share, even };
}

/** One executor of a component as the Storm UI lists it. */
export interface ExecutorLoad {
  /** Storm's `[first-last]` task range. */
  id: string;
  executed: number | null;
  firstTask: number | null;
  lastTask: number | null;
}

/**
 * Executors of one bolt that executed markedly different counts (`squall stats -c`), by the same rule as doctor's
 * skew and uneven-shuffle findings; with the two causes doctor tells apart when it has the topology's groupings.
 */
export function unevenExecutors(component: string, executors: readonly ExecutorLoad[]): Finding | null {
  const counted = executors.filter((e) => e.executed !== null);
  const uneven = unevenShares(counted.map((e) => e.executed!));
  if (!uneven) return null;
  const busiest = counted[uneven.index]!;
  const total = counted.reduce((n, e) => n + e.executed!, 0);
  const several = counted.some((e) => e.firstTask !== null && e.lastTask !== null && e.lastTask > e.firstTask);
  return {
    kind: 'skew',
    component,
    scalingHelps: false,
    message:
      `${component}'s executors are unevenly loaded: executor ${busiest.id} executed ${busiest.executed} of ${total} ` +
      `(${percent(uneven.share)}; even would be ${percent(uneven.even)}). With a fields grouping a hot key keeps one task busy ` +
      'and more executors do not spread it' +
      (several ? `; with a shuffle into executors holding several tasks, Storm feeds only each executor's first task (squall rebalance -p ${component}=TASKS spreads them)` : '') +
      '. squall doctor tells which, from the topology\'s groupings.',
    evidence: { share: uneven.share, evenShare: uneven.even, executor: busiest.id },
  };
}

/** Little's law: spout tasks × pending trees, each taking the complete latency, cap the root rate. */
function pendingFinding(figures: TopologyFigures, rate: number, busiest: number): Finding | null {
  const pending = figures.maxSpoutPending;
  const latency = figures.completeLatencySecs;
  if (pending === null || latency === null || latency <= 0 || rate <= 0) return null;
  const spoutTasks = figures.components.filter((c) => c.kind === 'spout').reduce((n, c) => n + c.tasks, 0);
  const limit = spoutTasks * pending;
  const inFlight = rate * latency;
  const cap = limit / latency;
  if (inFlight < PENDING_FULL * limit) {
    // Source-limited: nothing is busy, and the spouts often had nothing to emit (or did not say).
    const empty = figures.components.filter((c) => c.kind === 'spout').map((c) => c.emptyNextShare ?? 1);
    const backlog = figures.components.some((c) => hasBacklog(c.source));
    if (busiest < 0.5 && figures.offeredRate === undefined && Math.min(...empty) >= 0.5 && !backlog) {
      return {
        kind: 'source-limited',
        scalingHelps: false,
        message: `${fixed(inFlight)} of ${limit} allowed trees are in flight and no component is half busy: the spouts emit what their sources supply.`,
        evidence: { inFlight, limit, rate },
      };
    }
    return null;
  }
  if (busiest >= SATURATED) return null; // the bolts, not the limit, hold the rate: the bottleneck finding says so
  return {
    kind: 'pending-limit',
    scalingHelps: false,
    message:
      `topology.max.spout.pending caps throughput: ${spoutTasks} spout task(s) × ${pending} pending / ${ms(latency)} complete latency ` +
      `= ${fixed(cap)} trees/s, while the busiest component is only ${percent(busiest)} busy. Raise max.spout.pending.`,
    evidence: { spoutTasks, maxSpoutPending: pending, completeLatencySecs: latency, capPerSec: cap, inFlight },
  };
}

/**
 * What the spouts' sources say: a backlog that grows (the source receives more than the topology consumes, so the
 * throughput to plan for is the arrival rate, not today's rate), and entries given up on (dead-lettered).
 */
function sourceFindings(figures: TopologyFigures, rate: number): Finding[] {
  const findings: Finding[] = [];
  const growing = figures.components.filter((c) => c.kind === 'spout' && backlogGrows(c.source));
  const target = backlogTarget(figures) ?? rate;
  for (const c of growing) {
    const s = c.source!;
    const arrival = arrivalRate(s)!;
    findings.push({
      kind: 'backlog',
      component: c.id,
      scalingHelps: true,
      message:
        `${c.id} falls behind its source (${s.kind} "${s.name}"): the backlog grows by ${fixed(s.lagGrowthPerSec!)} entries/s, ${s.lag} waiting now. ` +
        `Entries arrive at about ${fixed(arrival)}/s (${fixed(s.readPerSec)}/s read + ${fixed(s.lagGrowthPerSec!)}/s growth) while the topology runs ` +
        `${fixed(rate)} trees/s: plan for at least ${Math.ceil(target)} trees/s (squall doctor --target ${Math.ceil(target)}; the plan's default target is never less).`,
      evidence: { lag: s.lag!, lagGrowthPerSec: s.lagGrowthPerSec!, arrivalPerSec: arrival, readPerSec: s.readPerSec, rate, targetRate: target },
    });
  }
  for (const c of figures.components) {
    const s = c.source;
    if (c.kind !== 'spout' || !s || s.deadLettered <= 0) continue;
    findings.push({
      kind: 'dead-letters',
      component: c.id,
      scalingHelps: false,
      message:
        `${c.id} gave up on ${s.deadLettered} entries of ${s.kind} "${s.name}" in the last ${Math.round(s.windowSecs)} s (dead-lettered after failing ` +
        'delivery after delivery): see the errors of the component that fails them, and the dead-letter stream, where they wait to be replayed by hand.',
      evidence: { deadLettered: s.deadLettered, deadLetteredPerSec: s.deadLetteredPerSec, windowSecs: s.windowSecs },
    });
  }
  return findings;
}

function timeoutFinding(figures: TopologyFigures): Finding | null {
  const latency = figures.completeLatencySecs;
  const near = latency !== null && latency >= TIMEOUT_NEAR * figures.messageTimeoutSecs;
  if (figures.failedPerSec <= 0 && !near) return null;
  return {
    kind: 'timeouts',
    scalingHelps: near,
    message:
      (figures.failedPerSec > 0 ? `${fixed(figures.failedPerSec)} trees/s fail or time out and are replayed` : 'trees are close to timing out') +
      (latency !== null ? `; complete latency ${ms(latency)} against topology.message.timeout.secs ${figures.messageTimeoutSecs}` : '') +
      (near ? ': trees wait in queues long enough to time out; lower max.spout.pending or remove the bottleneck.' : ': see the components\' errors.'),
    evidence: { failedPerSec: figures.failedPerSec, completeLatencySecs: latency ?? 'unknown', messageTimeoutSecs: figures.messageTimeoutSecs },
  };
}

function medianOf(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const percent = (x: number): string => `${Math.round(x * 100)}%`;
export const fixed = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 || x === 0 ? x.toFixed(1) : x.toPrecision(2));
export const ms = (secs: number): string => `${(secs * 1000).toFixed(secs < 0.01 ? 2 : 1)} ms`;
