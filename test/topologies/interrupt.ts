/**
 * A steady reliable topology whose components log their pids, to check what Ctrl-C leaves behind. With the conf
 * key test.hold the bolt never finishes a tuple, so a stop waits for the message timeout. With test.block it
 * blocks its whole process on the first tuple (answering no heartbeat), so Storm's heartbeat timeout kills it.
 */
import { Bolt, Spout, Topology } from 'squall';
import type { MessageId } from 'squall';

class Ticks extends Spout {
  private n = 0;
  override initialize(): void {
    this.log(`pid ${process.pid}`);
  }
  override nextTuple(): void {
    this.emit([this.n], { id: this.n++ });
  }
  override onAck(id: MessageId): void {
    if (id === 10) this.log('acked 10');
  }
}

class Pass extends Bolt {
  override initialize(): void {
    this.log(`pid ${process.pid}`);
  }
  override async process(): Promise<void> {
    if (this.conf['test.hold']) return new Promise(() => {});
    // Blocks the thread without spinning a core.
    if (this.conf['test.block']) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const topology = new Topology('interrupt', { 'topology.max.spout.pending': 20, 'topology.message.timeout.secs': 10 });
const ticks = topology.spout('ticks', Ticks, { outputs: { default: ['n'] } });
topology.bolt('pass', Pass, { parallelism: 2 }).shuffle(ticks);
export default topology;
