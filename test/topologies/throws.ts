/** A topology module that throws while it loads, as a bad top-level line in user code would. */
import { Spout, Topology } from 'squall';

class Idle extends Spout {
  override nextTuple(): void {}
}

function readSettings(): never {
  throw new Error('settings.json is missing');
}

const topology = new Topology('throws', readSettings());
topology.spout('idle', Idle);
export default topology;
