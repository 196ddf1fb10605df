import type { ComponentSpec } from '../topology/spec.js';
import type { TaskMetrics } from '../wire/metrics-line.js';

/** What the runtime counts, of one task or summed over a component's tasks. */
export interface Counts {
  component: string;
  kind: 'spout' | 'bolt';
  emitted: number;
  /** Bolts: tuples acked; spouts: messages whose tree completed. */
  acked: number;
  failed: number;
  /** Spouts: of `failed`, the trees that timed out (topology.message.timeout.secs) rather than being failed by a bolt. */
  timedOut: number;
  /** Spouts: tuples emitted without a message id (or with no acker), which nothing tracks or waits for. */
  unreliable: number;
  /** Bolts: tuples acked or failed. */
  executed: number;
  /** Bolts: mean ms from delivery to ack (process latency); spouts: mean complete latency. Worked out, never summed. */
  meanLatencyMs: number;
  deaths: number;
  /** Bolts: tuples still queued for a task or sent and unacked when the run stopped, thrown away. */
  discarded: number;
  latencyTotalMs: number;
}

/** The figures `squall run` prints for one component, summed over its tasks. */
export interface ComponentStats extends Counts {
  tasks: number;
}

/** One task's counts: the executor stats a Storm UI shows per executor (the embedded runtime runs a task per process). */
export interface TaskStats extends Counts {
  task: number;
}

/** The counts summed over tasks. */
const SUMMED = ['emitted', 'acked', 'failed', 'timedOut', 'unreliable', 'executed', 'deaths', 'discarded', 'latencyTotalMs'] as const;

/** A component's or task's record before anything happened. */
export function zeroCounts(component: ComponentSpec): Counts {
  return { component: component.id, kind: component.kind, emitted: 0, acked: 0, failed: 0, timedOut: 0, unreliable: 0, executed: 0, meanLatencyMs: 0, deaths: 0, discarded: 0, latencyTotalMs: 0 };
}

/**
 * What the embedded runtime counts, per task, as Storm's executor stats do: emits, acks and fails with their
 * latencies, deaths, tuples discarded at the stop; and the latest measurement line of each task. Each event is one
 * increment on its task's record, found by index (no lookup by name on the tuple path); a component's figures are
 * the sum of its tasks', made when asked (`summary`, a few times a minute at most).
 */
export class RuntimeStats {
  /** Indexed by task id (Storm numbers tasks 1..n). */
  private readonly byTask: TaskStats[] = [];
  private readonly components: ComponentSpec[];
  private readonly measured = new Map<number, TaskMetrics>();

  constructor(components: ComponentSpec[], tasks: ReadonlyMap<number, ComponentSpec>) {
    this.components = components;
    for (const [task, c] of tasks) {
      this.byTask[task] = { ...zeroCounts(c), task };
    }
  }

  emitted(task: number): void {
    this.byTask[task]!.emitted++;
  }

  /** A bolt task acked or failed a tuple `latencyMs` after it was delivered. */
  executed(task: number, outcome: 'ack' | 'fail', latencyMs: number): void {
    const stats = this.byTask[task]!;
    if (outcome === 'ack') stats.acked++;
    else stats.failed++;
    stats.executed++;
    stats.latencyTotalMs += latencyMs;
  }

  /** A spout task emitted a tuple that starts no tracked tree (no message id, or no acker). */
  unreliableEmit(task: number): void {
    this.byTask[task]!.unreliable++;
  }

  /**
   * A spout task was told its tree completed (`completeLatencyMs` after the emit) or failed. Storm counts a tree
   * that timed out as failed; `timedOut` says which of the failed ones did.
   */
  settled(task: number, outcome: 'ack' | 'fail', completeLatencyMs: number, timedOut = false): void {
    const stats = this.byTask[task]!;
    if (outcome === 'ack') {
      stats.acked++;
      stats.latencyTotalMs += completeLatencyMs;
    } else {
      stats.failed++;
      if (timedOut) stats.timedOut++;
    }
  }

  died(task: number): void {
    this.byTask[task]!.deaths++;
  }

  /** Tuples a bolt task still held when the run stopped (Storm drops an executor's queues with its worker). */
  discarded(task: number, tuples: number): void {
    this.byTask[task]!.discarded += tuples;
  }

  /** A task's measurement line (squall.metrics.interval.secs): only the latest is kept. */
  measure(taskId: number, metrics: TaskMetrics): void {
    this.measured.set(taskId, metrics);
  }

  /** The latest measurements each task sent about itself. */
  measurements(): TaskMetrics[] {
    return [...this.measured.values()];
  }

  /** Each task's counts so far, in task order (copies: the caller may keep them as a snapshot). */
  taskSummary(): TaskStats[] {
    return this.byTask.filter(Boolean).map((s) => ({ ...s, meanLatencyMs: meanLatencyMs(s) }));
  }

  /** Each component's counts so far, summed over its tasks, in the topology's order. */
  summary(): ComponentStats[] {
    const sums = new Map<string, ComponentStats>();
    for (const c of this.components) {
      sums.set(c.id, { ...zeroCounts(c), tasks: c.tasks });
    }
    for (const t of this.byTask) {
      const sum = t && sums.get(t.component);
      if (sum) addCounts(sum, t);
    }
    return [...sums.values()].map((s) => ({ ...s, meanLatencyMs: meanLatencyMs(s) }));
  }
}

/** Add `from`'s counts to `into` (its mean latency is worked out again by whoever reads the sum). */
export function addCounts(into: Counts, from: Counts): void {
  for (const key of SUMMED) into[key] += from[key];
}

/** Process latency (bolts: over executed tuples) or complete latency (spouts: over completed trees). */
export function meanLatencyMs(s: { kind: 'spout' | 'bolt'; executed: number; acked: number; latencyTotalMs: number }): number {
  const settled = s.kind === 'bolt' ? s.executed : s.acked;
  return settled > 0 ? s.latencyTotalMs / settled : 0;
}
