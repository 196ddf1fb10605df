/** A shell bolt whose script is not there: `squall run` refuses it up front, as `squall jar` does. */
import { Spout, Topology, shell } from 'squall';

class Quiet extends Spout {
  override nextTuple(): void {}
}

const topology = new Topology('missing-script');
const quiet = topology.spout('quiet', Quiet, { outputs: { default: ['n'] } });
topology.bolt('lost', shell('python3', 'no_such_script.py')).shuffle(quiet);
export default topology;
