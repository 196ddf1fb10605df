/**
 * A spout that reports its source through the SDK's hook (`sourceReading`): an in-process queue where three jobs
 * arrive for every one the spout takes, so its backlog grows. It samples the backlog every 20th `nextTuple`, as a
 * real spout would ask its source every few seconds; the meter asks `sourceReading` at each flush.
 */
import { Bolt, Spout, Topology } from 'squall';
import type { SourceReading } from 'squall';

class Jobs extends Spout {
  private waiting = 0;
  private taken = 0;
  private lag: number | null = null;
  private sampledAt: number | null = null;

  override nextTuple(): void {
    this.waiting += 3 - 1;
    this.emit([this.taken], { id: this.taken++ });
    if (this.taken % 20 === 0) {
      this.lag = this.waiting;
      this.sampledAt = Date.now();
    }
  }

  protected override sourceReading(): SourceReading {
    return {
      kind: 'memory-queue', name: 'jobs', group: 'workers',
      lag: this.lag, pending: null, sampledAt: this.sampledAt, // gauges of the whole source, null until sampled
      totals: { read: this.taken, replayed: 0, deadLettered: 0 }, // running totals: the meter reports their change
    };
  }
}

class Work extends Bolt {
  override process(): void {}
}

const topology = new Topology('source-spout');
const jobs = topology.spout('jobs', Jobs, { outputs: { default: ['n'] } });
topology.bolt('work', Work, { outputs: {} }).shuffle(jobs);
export default topology;
