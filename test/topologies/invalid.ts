/** Broken on purpose: what `squall run` must refuse before starting anything. */
import { Bolt, Topology } from 'squall';

class Count extends Bolt {
  override process(): void {}
}

const topology = new Topology('bad:name');
topology.bolt('count', Count).shuffle({ id: 'split', outputs: { default: ['word'] } });
export default topology;
