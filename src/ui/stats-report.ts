/**
 * Storm UI statistics as text: a table per topology or component, the verdict `squall doctor`'s analysis gives
 * (passed in: this module judges nothing itself), and the caveats that make the numbers honest (sampling, and what
 * latency means for a shell bolt).
 * Pure functions over the parsed shapes of ./client.ts; `toJson` gives the same data to scripts.
 */
import { formatDuration } from '../format/duration.js';
import { table } from '../format/table.js';
import type { TopologySpec } from '../topology/spec.js';
import type { LastError, TopologyStats, UiComponentStats, UiTopologySummary } from './client.js';

/** Storm's default `topology.stats.sample.rate`: it counts 1 tuple in 20 and multiplies by 20. */
export const DEFAULT_SAMPLE_RATE = 0.05;

export interface ReportOptions {
  /**
   * Bolts that run as multi-lang subprocesses: every squall TypeScript bolt and every shell() bolt (Storm runs them
   * all through ShellBolt). Their executeLatency is only the hand-off to the subprocess, so their capacity reads
   * low even when saturated. Unknown → every bolt is described as possibly one.
   */
  shellComponents?: Iterable<string>;
  /** False for `squall run --ui`, which counts every tuple: its figures are not sampled. Default true. */
  sampled?: boolean;
  /**
   * The verdict, one line each: `squall doctor`'s findings from the same figures (the one analysis of what holds a
   * topology back), or a line saying how to get it.
   */
  verdict?: string[];
}

/** The components of a spec that Storm runs through ShellBolt/ShellSpout (all but Java ones). */
export function shellComponentsOf(spec: TopologySpec): string[] {
  return spec.components.filter((c) => c.impl.type !== 'java').map((c) => c.id);
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

function samplingNote(rate: number | null, sampled = true): string {
  if (!sampled) return 'counts are exact: squall run --ui counts every tuple (a Storm UI samples them)';
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
  if (options.verdict?.length) lines.push('', ...options.verdict);
  lines.push('');
  lines.push('notes:');
  lines.push(`  - ${samplingNote(topology.sampleRate, options.sampled)}`);
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

  if (options.verdict?.length) lines.push('', ...options.verdict);

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
  lines.push(`  - ${samplingNote(null, options.sampled)}`);
  const shell = options.shellComponents ? [...options.shellComponents] : undefined;
  if (bolt && (shell === undefined || shell.includes(component.id))) lines.push(`  - ${shellNote(shell ? [component.id] : undefined)}`);
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------------
// JSON

/**
 * `--json` output: the parsed data (numbers as numbers, null when the UI had none), plus the verdict lines when
 * there are any, so scripts and alerts need not parse the table or Storm's string-typed numbers.
 */
export function toJson(stats: TopologyStats | UiComponentStats | UiTopologySummary[], options: ReportOptions = {}): string {
  const value = !Array.isArray(stats) && options.verdict ? { ...stats, verdict: options.verdict } : stats;
  return JSON.stringify(value, null, 2) + '\n';
}
