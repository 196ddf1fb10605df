/**
 * The measurements a squall component sends about itself, as one log line: a fixed prefix and a JSON body.
 * A log line is the one channel that works on every cluster: the multi-lang `metrics` command kills a plain
 * shell component's worker (ShellBolt.handleMetrics finds no registered metric), while a `log` lands in the
 * worker log as `ShellLog pid:<pid>, name:<component> <msg>`, where `squall doctor` reads it over SSH, and the
 * embedded runtime picks it out of the stream directly.
 */

/** What starts the message of every measurement line. */
export const METRICS_PREFIX = 'squall.metrics ';


/** One task's measurements over one interval. */
export interface TaskMetrics {
  /** Format version. */
  v: 1;
  component: string;
  task: number;
  kind: 'spout' | 'bolt';
  /** Unix time in ms at the end of the interval. */
  at: number;
  /** Length of the interval in seconds. */
  secs: number;
  /** Tuples handled: bolts count `process` calls (ticks excluded); spouts count root tuples emitted with an id. */
  executed: number;
  /** Wall seconds inside user handlers, summed over tuples (overlapping for async bolts with concurrency > 1). */
  busySecs: number;
  /**
   * Of busySecs: the handlers running on the event loop (from the call until it returned), and awaiting (from an
   * async handler's return until its promise settled). A synchronous handler has no await time: `concurrency`
   * cannot help it. Absent in lines from SDKs before these were measured (the line stays version 1).
   */
  loopSecs?: number;
  awaitSecs?: number;
  /** CPU seconds the process used over the interval (user + system). */
  cpuSecs: number;
  /** Tuples emitted per stream. */
  emitted: Record<string, number>;
  /** Spouts: `next` commands answered, and how many of them emitted nothing (the source was empty). */
  nexts?: number;
  emptyNexts?: number;
  /**
   * Spouts: commands answered (next, ack, fail, …) and the wall seconds from each one's arrival to its `sync` (the
   * spout's own time per command, an idle back-off excluded); `turnarounds`, the gaps from a `sync` to Storm's next
   * command, and `turnaroundSecs`, a short one of them (the 10th percentile): the pending limit, back-pressure and
   * the wait strategy only lengthen a gap, so that is Storm's turnaround alone. Together: the spout's round trip
   * per root tuple even while max.spout.pending holds it back. Absent in lines from SDKs before these were measured
   * (the line stays version 1).
   */
  commands?: number;
  commandSecs?: number;
  turnarounds?: number;
  turnaroundSecs?: number;
  /** Tuples a bolt may process at once. */
  concurrency: number;
  /** Bolts fed by a fields grouping: the heaviest keys seen, as [key, approximate count], heaviest first. */
  keys?: Array<[string, number]>;
  /** Tuples whose keys were counted (the denominator of `keys`). */
  keyed?: number;
  /** spread[n - 2][i]: keyed tuples the grouping hash would send to task index i if there were n tasks (n ≥ 2). */
  spread?: number[][];
  /**
   * Spouts that read a source with a backlog of its own (a Redis stream's consumer group, a Kafka topic's partitions,
   * a queue): what the spout knows of it. Absent for other spouts and in lines from SDKs before it was measured (the
   * line stays version 1).
   */
  source?: SourceMetrics;
}

/**
 * A spout's source, as one task saw it. Two kinds of figure: gauges of the whole source (the consumer group's
 * backlog: every task reading the group reports the same one, so they are never added up across tasks of a group),
 * sampled by the spout on its own schedule; and this task's counts over the interval (added up across tasks and
 * intervals).
 */
export interface SourceMetrics {
  /** What the source is, e.g. `redis-stream` (a Kafka spout would say `kafka-topic`). */
  kind: string;
  /** Which one: the stream, topic or queue name. */
  name: string;
  /** The consumer group whose backlog the gauges are; tasks with the same kind, name and group report one backlog. */
  group?: string;
  /** Gauge: entries in the source not yet delivered to the group (consumer lag); null when the source cannot tell. */
  lag: number | null;
  /** Gauge: entries delivered to the group and not yet acknowledged (all its consumers'); null when unknown. */
  pending: number | null;
  /** Unix ms when `lag` and `pending` were sampled (at most a few seconds before `at`); null never sampled. */
  sampledAt: number | null;
  /**
   * The gauge one interval earlier (as this task's previous line reported it) and when that was sampled: with `lag`
   * the backlog's growth over the interval. Null in a task's first line, or when no sample was taken then.
   */
  lagBefore: number | null;
  lagBeforeAt: number | null;
  /** Count (this task, this interval): new entries read from the source. */
  read: number;
  /** Count: entries delivered again after their tuple tree failed. */
  replayed: number;
  /** Count: entries given up on after too many deliveries (to a dead-letter stream or topic). */
  deadLettered: number;
  /** Count: entries taken over from consumers that are gone (a crashed or stopped task); sources that have none omit it. */
  claimed?: number;
}

export function formatMetricsLine(metrics: TaskMetrics): string {
  return METRICS_PREFIX + JSON.stringify(metrics);
}

/**
 * The measurements in a line of text that may carry anything before the prefix (a worker log's timestamp, thread
 * and `ShellLog pid:…, name:…`); null when the line has none or its body is not a measurement.
 */
export function parseMetricsLine(line: string): TaskMetrics | null {
  const at = line.indexOf(METRICS_PREFIX);
  if (at < 0) return null;
  let body: unknown;
  try {
    body = JSON.parse(line.slice(at + METRICS_PREFIX.length));
  } catch {
    return null;
  }
  if (!isTaskMetrics(body)) return null;
  return body;
}

function isTaskMetrics(x: unknown): x is TaskMetrics {
  if (x === null || typeof x !== 'object') return false;
  const m = x as Record<string, unknown>;
  return (
    m.v === 1 &&
    typeof m.component === 'string' &&
    typeof m.task === 'number' &&
    (m.kind === 'spout' || m.kind === 'bolt') &&
    typeof m.secs === 'number' &&
    typeof m.executed === 'number' &&
    typeof m.busySecs === 'number' &&
    typeof m.cpuSecs === 'number' &&
    m.emitted !== null &&
    typeof m.emitted === 'object' &&
    (m.source === undefined || isSourceMetrics(m.source))
  );
}

/** Whether `x` is a well-formed source block (the parser's check, also the meter's before it sends one). */
export function isSourceMetrics(x: unknown): x is SourceMetrics {
  if (x === null || typeof x !== 'object') return false;
  const s = x as Record<string, unknown>;
  const gauge = (v: unknown): boolean => v === null || (typeof v === 'number' && Number.isFinite(v));
  const count = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  return (
    typeof s.kind === 'string' &&
    typeof s.name === 'string' &&
    (s.group === undefined || typeof s.group === 'string') &&
    gauge(s.lag) &&
    gauge(s.pending) &&
    gauge(s.sampledAt) &&
    gauge(s.lagBefore) &&
    gauge(s.lagBeforeAt) &&
    count(s.read) &&
    count(s.replayed) &&
    count(s.deadLettered) &&
    (s.claimed === undefined || count(s.claimed))
  );
}
