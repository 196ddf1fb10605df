/**
 * Named streams, direct grouping, all grouping and ticks. The spout emits 0..9 on "numbers" (unreliable) and a
 * marker on "default". The dispatcher sends each number directly to consumer task (n mod tasks). "everyone" has
 * two tasks subscribed with an all grouping; "ticker" reports its ticks.
 */
import { Bolt, Spout, Topology } from 'squall';
import type { Tuple } from 'squall';

class Source extends Spout {
  private n = 0;
  override nextTuple(): void {
    if (this.n >= 10) return;
    const n = this.n++;
    this.emit([n], { stream: 'numbers' });
    if (n === 0) this.emit(['marker'], { id: 'marker' });
  }
}

class Dispatcher extends Bolt<{ n: number }> {
  override process(tuple: Tuple<{ n: number }>): void {
    const consumers = this.context.componentTasks('consumer');
    const n = tuple.get('n');
    this.emit([n], { stream: 'direct', directTask: consumers[n % consumers.length] });
  }
}

class Recorder extends Bolt {
  override process(tuple: Tuple): void {
    this.emit([this.context.taskId, tuple.values[0]]);
  }
  override processTick(tick: Tuple): void {
    this.emit([this.context.taskId, `tick ${String(tick.values[0])}`]);
  }
}

const topology = new Topology('streams');
const source = topology.spout('source', Source, { outputs: { numbers: ['n'], default: ['word'] } });
const dispatcher = topology
  .bolt('dispatcher', Dispatcher, { outputs: { direct: { fields: ['n'], direct: true } } })
  .shuffle(source, 'numbers');
topology.bolt('consumer', Recorder, { outputs: { default: ['task', 'value'] }, parallelism: 2 }).direct(dispatcher, 'direct');
topology.bolt('everyone', Recorder, { outputs: { default: ['task', 'value'] }, parallelism: 2 }).all(source, 'numbers');
topology
  .bolt('ticker', Recorder, { outputs: { default: ['task', 'value'] }, config: { 'topology.tick.tuple.freq.secs': 1 } })
  .global(source);
export default topology;
