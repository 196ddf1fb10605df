import type { ComponentSpec } from '../topology/spec.js';
import type { TaskMetrics } from '../wire/metrics-line.js';

/** The figures `squall run` prints for one component, summed over its tasks. */
export interface ComponentStats {
  component: string;
  kind: 'spout' | 'bolt';
  tasks: number;
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
  /** Bolts: mean ms from delivery to ack (process latency); spouts: mean complete latency. */
  meanLatencyMs: number;
  deaths: number;
  /** Bolts: tuples still queued for a task or sent and unacked when the run stopped, thrown away. */
  discarded: number;
  latencyTotalMs: number;
}

/**
 * What the embedded runtime counts, per component, as Storm's executor stats do: emits, acks and fails with their
 * latencies, deaths, tuples discarded at the stop; and the latest measurement line of each task.
 */
export class RuntimeStats {
  private readonly components = new Map<string, ComponentStats>();
  private readonly measured = new Map<number, TaskMetrics>();

  constructor(components: ComponentSpec[]) {
    for (const c of components) {
      this.components.set(c.id, { component: c.id, kind: c.kind, tasks: c.tasks, emitted: 0, acked: 0, failed: 0, timedOut: 0, unreliable: 0, executed: 0, meanLatencyMs: 0, deaths: 0, discarded: 0, latencyTotalMs: 0 });
    }
  }

  emitted(component: string): void {
    this.of(component).emitted++;
  }

  /** A bolt acked or failed a tuple `latencyMs` after it was delivered. */
  executed(component: string, outcome: 'ack' | 'fail', latencyMs: number): void {
    const stats = this.of(component);
    if (outcome === 'ack') stats.acked++;
    else stats.failed++;
    stats.executed++;
    stats.latencyTotalMs += latencyMs;
  }

  /** A spout emitted a tuple that starts no tracked tree (no message id, or no acker). */
  unreliableEmit(component: string): void {
    this.of(component).unreliable++;
  }

  /**
   * A spout was told its tree completed (`completeLatencyMs` after the emit) or failed. Storm counts a tree that
   * timed out as failed; `timedOut` says which of the failed ones did.
   */
  settled(component: string, outcome: 'ack' | 'fail', completeLatencyMs: number, timedOut = false): void {
    const stats = this.of(component);
    if (outcome === 'ack') {
      stats.acked++;
      stats.latencyTotalMs += completeLatencyMs;
    } else {
      stats.failed++;
      if (timedOut) stats.timedOut++;
    }
  }

  died(component: string): void {
    this.of(component).deaths++;
  }

  /** Tuples a bolt task still held when the run stopped (Storm drops an executor's queues with its worker). */
  discarded(component: string, tuples: number): void {
    this.of(component).discarded += tuples;
  }

  /** A task's measurement line (squall.metrics.interval.secs): only the latest is kept. */
  measure(taskId: number, metrics: TaskMetrics): void {
    this.measured.set(taskId, metrics);
  }

  /** The latest measurements each task sent about itself. */
  measurements(): TaskMetrics[] {
    return [...this.measured.values()];
  }

  summary(): ComponentStats[] {
    return [...this.components.values()].map((s) => {
      const settled = s.kind === 'bolt' ? s.executed : s.acked;
      return { ...s, meanLatencyMs: settled > 0 ? s.latencyTotalMs / settled : 0 };
    });
  }

  private of(component: string): ComponentStats {
    return this.components.get(component)!;
  }
}
