/**
 * Storm UI statistics as text a person can act on: a table per topology or component, the bottleneck in plain
 * words, and the caveats that make the numbers honest (sampling, and what latency means for a shell bolt).
 * Pure functions over the parsed shapes of ./client.ts; `toJson` gives the same data to scripts.
 */
import { formatDuration } from '../format/duration.js';
import { table } from '../format/table.js';
import type { TopologySpec } from '../topology/spec.js';
import type { LastError, TopologyStats, UiComponentStats, UiTopologySummary } from './client.js';

/** At or above this capacity a bolt is busy most of the window: tuples start to queue in front of it. */
export const CAPACITY_WARNING = 0.8;
/** Storm's default `topology.stats.sample.rate`: it counts 1 tuple in 20 and multiplies by 20. */
export const DEFAULT_SAMPLE_RATE = 0.05;
/** Executors are suggested so the bottleneck would run at about this capacity, leaving room for bursts. */
const TARGET_CAPACITY = 0.6;

export interface ReportOptions {
  /**
   * Bolts that run as multi-lang subprocesses: every squall TypeScript bolt and every shell() bolt (Storm runs them
   * all through ShellBolt). Their executeLatency is only the hand-off to the subprocess, so their capacity reads
   * low even when saturated; for these, the bottleneck also weighs processLatency. Unknown → capacity only.
   */
  shellComponents?: Iterable<string>;
}

/** The components of a spec that Storm runs through ShellBolt/ShellSpout (all but Java ones). */
export function shellComponentsOf(spec: TopologySpec): string[] {
  return spec.components.filter((c) => c.impl.type !== 'java').map((c) => c.id);
}

// ---------------------------------------------------------------------------------------------------------------
// Bottleneck

export interface Bottleneck {
  /** The busiest bolt, or null when there are no bolts with numbers. */
  bolt: string | null;
  /** Its load: Storm's capacity, or for a shell bolt the process-latency estimate when that is higher. */
  load: number | null;
  /** Where `load` comes from. */
  basis: 'capacity' | 'processLatency' | null;
  /** Storm's own capacity figure for that bolt. */
  capacity: number | null;
  /** load ≥ CAPACITY_WARNING. */
  saturated: boolean;
  /** Executors to rebalance to (capped at the bolt's tasks), when saturated and rebalance can still add some. */
  suggestedExecutors: number | null;
  message: string;
}

/**
 * Which bolt limits throughput. Storm's capacity is executed × executeLatency / window for the busiest executor
 * over the last 10 minutes; ~1 means that executor never idles. For shell bolts executeLatency is only the
 * hand-off, so the estimate executed × processLatency / (window × executors) is used when higher: processLatency
 * includes the time a tuple waits for the subprocess, so a value near or above 1 means tuples are queueing.
 */
export function bottleneck(topology: TopologyStats, options: ReportOptions = {}): Bottleneck {
  const shell = new Set(options.shellComponents ?? []);
  const uptime = topology.uptimeSeconds;
  const window = topology.windowSecs === null ? uptime : uptime === null ? topology.windowSecs : Math.min(topology.windowSecs, uptime);

  let best: { id: string; load: number; basis: 'capacity' | 'processLatency'; capacity: number | null; executors: number | null; tasks: number | null } | undefined;
  for (const bolt of topology.bolts) {
    let load = bolt.capacity;
    let basis: 'capacity' | 'processLatency' = 'capacity';
    if (shell.has(bolt.id) && bolt.executed !== null && bolt.processLatencyMs !== null && window) {
      const estimate = (bolt.executed * bolt.processLatencyMs) / (1000 * window * (bolt.executors ?? 1));
      if (load === null || estimate > load) {
        load = estimate;
        basis = 'processLatency';
      }
    }
    if (load !== null && (!best || load > best.load)) best = { id: bolt.id, load, basis, capacity: bolt.capacity, executors: bolt.executors, tasks: bolt.tasks };
  }

  if (!best || best.load <= 0) {
    return {
      bolt: best?.id ?? null,
      load: best?.load ?? null,
      basis: best?.basis ?? null,
      capacity: best?.capacity ?? null,
      saturated: false,
      suggestedExecutors: null,
      message:
        topology.bolts.length === 0
          ? 'no bottleneck to report: the topology has no bolts'
          : 'no bottleneck: no bolt executed anything measurable in the window (idle, just started, or counts sampled to zero)',
    };
  }

  const figure = describeLoad(best.load, best.basis, best.capacity);
  if (best.load < CAPACITY_WARNING) {
    return {
      bolt: best.id,
      load: best.load,
      basis: best.basis,
      capacity: best.capacity,
      saturated: false,
      suggestedExecutors: null,
      message: `no bottleneck: every bolt is below capacity ${CAPACITY_WARNING}; the busiest, ${best.id}, is at ${figure}`,
    };
  }

  // Scaling by the executor count assumes the load spreads evenly; capacity is the busiest executor's, so with a
  // skewed fields grouping this overestimates what more executors buy (see the component view for the spread).
  const executors = best.executors ?? 1;
  const wanted = Math.max(executors + 1, Math.ceil((executors * best.load) / TARGET_CAPACITY));
  const tasks = best.tasks;
  let advice: string;
  let suggested: number | null;
  if (tasks !== null && executors >= tasks) {
    suggested = null;
    advice = `it already runs one executor per task (${tasks}), so rebalance cannot add executors: resubmit with more tasks (tasks: ${wanted} in its options) and then rebalance`;
  } else if (tasks !== null && wanted > tasks) {
    suggested = tasks;
    advice = `add executors with squall rebalance ${topology.name} -p ${best.id}=${tasks} (its ${tasks} tasks are the most rebalance can give it; resubmit with more tasks to go further)`;
  } else {
    suggested = wanted;
    advice = `add executors with squall rebalance ${topology.name} -p ${best.id}=${wanted}`;
  }
  return {
    bolt: best.id,
    load: best.load,
    basis: best.basis,
    capacity: best.capacity,
    saturated: true,
    suggestedExecutors: suggested,
    message: `${best.id} is the bottleneck: ${figure} — ${advice}`,
  };
}

/**
 * The load in words. Storm's capacity is a share of the window, so no "busy" above 100% is ever printed: a sampled
 * capacity above 1 means busy the whole window. The process-latency estimate is, by Little's law, the mean number
 * of tuples an executor holds (inside its subprocess or waiting for it); above 1 it counts a queue, not a percentage.
 */
function describeLoad(load: number, basis: 'capacity' | 'processLatency', capacity: number | null): string {
  if (basis === 'capacity') {
    return load <= 1
      ? `capacity ${load.toFixed(2)} (busy ${Math.round(load * 100)}% of the window)`
      : `capacity ${load.toFixed(2)} (busy the whole window; above 1 only because Storm samples its counts)`;
  }
  const handOff = `as a shell bolt its own capacity${capacity === null ? '' : ` of ${capacity.toFixed(2)}`} counts only the hand-off to its subprocess`;
  if (load <= 1) return `capacity ${load.toFixed(2)} estimated from process latency (busy about ${Math.round(load * 100)}% of the window; ${handOff})`;
  return (
    `load ${load.toFixed(2)} estimated from process latency: on average each executor holds ${load.toFixed(1)} tuples ` +
    `(in its subprocess or queued for it), so it is busy the whole window and tuples wait (${handOff})`
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Tables

const count = (n: number | null): string => (n === null ? '-' : String(Math.round(n)));
const ms = (n: number | null): string => (n === null ? '-' : n.toFixed(3));
const ratio = (n: number | null): string => (n === null ? '-' : n.toFixed(3));
const plural = (n: number | null, noun: string): string => `${count(n)} ${noun}${n === 1 ? '' : 's'}`;

/** One line: first line of the message, shortened, with when and where (the full text is in --json). */
function shortError(error: LastError | null): string {
  if (!error) return '-';
  const first = error.message.split(/\r?\n/)[0]!.trim();
  const message = first.length > 80 ? `${first.slice(0, 77)}...` : first;
  const where = error.host ? ` on ${error.host}${error.port === null ? '' : `:${error.port}`}` : '';
  const when = error.lapsedSecs === null ? '' : `${formatDuration(error.lapsedSecs)} ago`;
  return when || where ? `${message} (${[when, where.trim()].filter(Boolean).join(' ')})` : message;
}

function samplingNote(rate: number | null): string {
  const r = rate ?? DEFAULT_SAMPLE_RATE;
  const how = r >= 1 ? 'every tuple is counted' : r > 0 && Number.isInteger(1 / r) ? `Storm counts 1 tuple in ${1 / r} and multiplies` : `Storm counts a ${r} sample and scales it up`;
  // Without the topology's configuration (the component page has none) the rate is unknown: say what the default does.
  const setting = rate === null ? `topology.stats.sample.rate, ${DEFAULT_SAMPLE_RATE} by default` : `topology.stats.sample.rate ${rate}`;
  return `counts are sampled (${setting}: ${how}), so small counts are estimates`;
}

function shellNote(shell: string[] | undefined): string {
  const which = shell && shell.length > 0 ? `shell bolts (${shell.join(', ')})` : "shell bolts (every squall TypeScript bolt and shell() bolt is one)";
  return `for ${which} executeLatency is only the hand-off to the subprocess, so their capacity reads low; processLatency includes the time tuples wait for the subprocess`;
}

export function formatTopologyStats(topology: TopologyStats, options: ReportOptions = {}): string {
  const shell = options.shellComponents ? [...options.shellComponents] : undefined;
  const lines: string[] = [];
  const sizes = [
    topology.workers === null ? '' : plural(topology.workers, 'worker'),
    topology.executors === null ? '' : plural(topology.executors, 'executor'),
    topology.tasks === null ? '' : plural(topology.tasks, 'task'),
  ].filter(Boolean);
  lines.push(`${topology.name} (${topology.id}) ${topology.status}, up ${formatDuration(topology.uptimeSeconds)}${sizes.length ? `, ${sizes.join(', ')}` : ''}`);
  const t = topology.totals;
  lines.push(
    t
      ? `window ${topology.windowLabel}: ${count(t.emitted)} emitted, ${count(t.acked)} acked, ${count(t.failed)} failed, complete latency ${ms(t.completeLatencyMs)} ms`
      : `window ${topology.windowLabel}`,
  );
  lines.push('');

  const rows = [['component', 'kind', 'executors', 'tasks', 'emitted', 'executed', 'acked', 'failed', 'complete ms', 'execute ms', 'process ms', 'capacity', 'last error']];
  for (const s of topology.spouts) {
    rows.push([s.id, 'spout', count(s.executors), count(s.tasks), count(s.emitted), '-', count(s.acked), count(s.failed), ms(s.completeLatencyMs), '-', '-', '-', shortError(s.lastError)]);
  }
  for (const b of topology.bolts) {
    rows.push([
      b.id,
      'bolt',
      count(b.executors),
      count(b.tasks),
      count(b.emitted),
      count(b.executed),
      count(b.acked),
      count(b.failed),
      '-',
      ms(b.executeLatencyMs),
      ms(b.processLatencyMs),
      ratio(b.capacity),
      shortError(b.lastError),
    ]);
  }
  lines.push(...table(rows, { leftColumns: 2, lastIsText: true }));
  lines.push('');
  lines.push(bottleneck(topology, options).message);
  lines.push('');
  lines.push('notes:');
  lines.push(`  - ${samplingNote(topology.sampleRate)}`);
  lines.push(`  - capacity = executed × execute latency / window, for the busiest executor over the last 10 minutes; near 1 it is saturated`);
  if (topology.bolts.length > 0 && (shell === undefined || topology.bolts.some((b) => shell.includes(b.id)))) {
    lines.push(`  - ${shellNote(shell?.filter((id) => topology.bolts.some((b) => b.id === id)))}`);
  }
  return lines.join('\n') + '\n';
}

export function formatComponentStats(component: UiComponentStats, options: ReportOptions = {}): string {
  const lines: string[] = [];
  lines.push(
    `${component.kind} ${component.id} of ${component.topologyName} (${component.topologyId}): ${plural(component.executors, 'executor')}, ${plural(component.tasks, 'task')}, window ${component.windowLabel}`,
  );
  lines.push('');
  const bolt = component.kind === 'bolt';
  const rows = bolt
    ? [['executor', 'host:port', 'uptime', 'executed', 'emitted', 'execute ms', 'process ms', 'capacity', 'acked', 'failed']]
    : [['executor', 'host:port', 'uptime', 'emitted', 'complete ms', 'acked', 'failed']];
  for (const e of component.executorStats) {
    const where = `${e.host || '?'}:${e.port ?? '?'}`;
    rows.push(
      bolt
        ? [e.id, where, formatDuration(e.uptimeSeconds), count(e.executed), count(e.emitted), ms(e.executeLatencyMs), ms(e.processLatencyMs), ratio(e.capacity), count(e.acked), count(e.failed)]
        : [e.id, where, formatDuration(e.uptimeSeconds), count(e.emitted), ms(e.completeLatencyMs), count(e.acked), count(e.failed)],
    );
  }
  if (component.executorStats.length === 0) lines.push('no executors reported yet (the UI lists them once their worker has sent a heartbeat)');
  else lines.push(...table(rows, { leftColumns: 3 }));

  // A spread of capacities inside one bolt points at skew (hot keys in a fields grouping), which more executors
  // will not cure: the hot key still lands on one task.
  const capacities = component.executorStats.map((e) => e.capacity).filter((c): c is number => c !== null);
  if (bolt && capacities.length > 1) {
    const max = Math.max(...capacities);
    const min = Math.min(...capacities);
    if (max >= CAPACITY_WARNING && min < max / 2) {
      lines.push('');
      lines.push(
        `executors are unevenly loaded (capacity ${min.toFixed(2)} to ${max.toFixed(2)}): with a fields grouping a few hot keys may land on one task, and more executors will not spread them`,
      );
    }
  }

  lines.push('');
  if (component.errors.length === 0) {
    lines.push('no errors reported');
  } else {
    // Newest first: the one that matters is usually the latest; lapsed seconds order them whatever the clock.
    const errors = [...component.errors].sort((a, b) => (a.lapsedSecs ?? Infinity) - (b.lapsedSecs ?? Infinity));
    lines.push(`errors (${errors.length}, newest first; full text with --json):`);
    for (const error of errors) lines.push(`  ${shortError(error)}`);
  }
  lines.push('');
  lines.push('notes:');
  lines.push(`  - ${samplingNote(null)}`);
  const shell = options.shellComponents ? [...options.shellComponents] : undefined;
  if (bolt && (shell === undefined || shell.includes(component.id))) lines.push(`  - ${shellNote(shell ? [component.id] : undefined)}`);
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------------
// JSON

/**
 * `--json` output: the parsed data (numbers as numbers, null when the UI had none), plus the bottleneck for a
 * topology, so scripts and alerts need not parse the table or Storm's string-typed numbers.
 */
export function toJson(stats: TopologyStats | UiComponentStats | UiTopologySummary[], options: ReportOptions = {}): string {
  const value = !Array.isArray(stats) && 'bolts' in stats ? { ...stats, bottleneck: bottleneck(stats, options) } : stats;
  return JSON.stringify(value, null, 2) + '\n';
}
