/**
 * The test family for `squall doctor`'s predictions: a spout with a settable rate and key distribution, and bolts
 * whose time per tuple is set by config, so the fewest tasks that can carry a rate are known in advance.
 *
 * Config (topology-wide or per component):
 * - `bench.rate`: root tuples per second from each spout task (0: as fast as max.spout.pending allows).
 * - `bench.keys`, `bench.hot.share`: keys drawn from `bench.keys` even keys, plus one key "hot" with that share.
 * - `bench.service.ms`: a bolt's time per tuple, waited asynchronously (timers: independent of the cores);
 *   `bench.cpu: true` spins the CPU instead, in a synchronous `process` (no promise: nothing to overlap).
 * - `bench.fanout`: tuples a bolt emits per tuple it receives (keyed like its input).
 * - `bench.slow.factor`: the component's lowest task takes this many times longer (a slow instance).
 */
import { Bolt, Spout, Topology, type Tuple } from 'squall';

const num = (conf: Record<string, unknown>, key: string, fallback: number): number => {
  const v = Number(conf[key]);
  return Number.isFinite(v) ? v : fallback;
};

export class PacedSpout extends Spout {
  static override options = { maxIdleSleepMs: 1 };
  private seq = 0;
  private started = 0;
  private rate = 0;
  private keys = 100;
  private hot = 0;

  override initialize(conf: Record<string, unknown>): void {
    this.rate = num(conf, 'bench.rate', 0);
    this.keys = Math.max(1, num(conf, 'bench.keys', 100));
    this.hot = num(conf, 'bench.hot.share', 0);
  }

  override onActivate(): void {
    this.started = performance.now();
    this.seq = 0;
  }

  override nextTuple(): void {
    // Emit what the rate allows by now (a few at most per call, so a late call catches up smoothly).
    const due = this.rate > 0 ? Math.floor(((performance.now() - this.started) / 1000) * this.rate) : this.seq + 1;
    for (let i = 0; i < 4 && this.seq < due; i++) {
      const key = Math.random() < this.hot ? 'hot' : `k${Math.floor(Math.random() * this.keys)}`;
      this.emit([key, this.seq], { id: this.seq });
      this.seq++;
    }
  }
}

export class WorkBolt extends Bolt<{ key: string; seq: number }> {
  static override options = { concurrency: 1 };
  private serviceMs = 1;
  private cpu = false;
  private fanout = 1;

  override initialize(conf: Record<string, unknown>): void {
    const slow = num(conf, 'bench.slow.factor', 1);
    const lowest = Math.min(...this.context.componentTasks(this.context.componentId));
    this.serviceMs = num(conf, 'bench.service.ms', 1) * (this.context.taskId === lowest ? slow : 1);
    this.cpu = conf['bench.cpu'] === true;
    this.fanout = Math.max(0, Math.floor(num(conf, 'bench.fanout', 1)));
  }

  override process(tuple: Tuple<{ key: string; seq: number }>): void | Promise<void> {
    if (this.cpu) {
      // CPU time, not wall time: on a host with more processes than cores a spin on the clock would finish while
      // descheduled; this one does its work only while it has a core.
      const until = process.cpuUsage().user + this.serviceMs * 1000;
      while (process.cpuUsage().user < until);
      return this.forward(tuple);
    }
    return new Promise<void>((resolve) => setTimeout(resolve, this.serviceMs)).then(() => this.forward(tuple));
  }

  private forward(tuple: Tuple<{ key: string; seq: number }>): void {
    for (let i = 0; i < this.fanout; i++) this.emit([tuple.get('key'), tuple.get('seq')]);
  }
}

/** spout → a (shuffle) → b (fields on key). Parallelism, tasks and config are set by the bench per case. */
const topology = new Topology('doctor-bench', { 'topology.max.spout.pending': 50, 'squall.metrics.interval.secs': 1 });
const spout = topology.spout('source', PacedSpout, { outputs: { default: ['key', 'seq'] } });
const a = topology.bolt('a', WorkBolt, { outputs: { default: ['key', 'seq'] } }).shuffle(spout);
topology.bolt('b', WorkBolt, { outputs: { default: ['key', 'seq'] }, config: { 'bench.fanout': 0 } }).fields(a, ['key']);

export default topology;
