/** A spout emitting 100 kB unreliable tuples far faster than its bolt takes them: only a byte budget bounds memory. */
import { Bolt, Spout, Topology } from 'squall';

const BLOCK = 'x'.repeat(100_000);

class Big extends Spout {
  private n = 0;
  override nextTuple(): void {
    for (let i = 0; i < 5; i++) this.emit([this.n++, BLOCK]);
  }
}

class Slow extends Bolt {
  override async process(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const topology = new Topology('big-tuples');
const big = topology.spout('big', Big, { outputs: { default: ['n', 'block'] } });
topology.bolt('slow', Slow).shuffle(big);
export default topology;
