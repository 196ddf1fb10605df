/** A spout far faster than its bolt, emitting unreliably: only back-pressure keeps memory bounded. */
import { Bolt, Spout, Topology } from 'squall';

class Flood extends Spout {
  private n = 0;
  override nextTuple(): void {
    for (let i = 0; i < 20; i++) this.emit([this.n++]);
  }
}

class Slow extends Bolt {
  override async process(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const topology = new Topology('flood', { 'topology.executor.receive.buffer.size': 100 });
const flood = topology.spout('flood', Flood, { outputs: { default: ['n'] } });
topology.bolt('slow', Slow).shuffle(flood);
export default topology;
