/**
 * A bolt that names an interpreter that does not exist: it cannot start at all, so nothing would ever restart it
 * into working, and the run stops at start.
 */
import { Spout, Topology, shell } from 'squall';

class Quiet extends Spout {
  override nextTuple(): void {}
}

const topology = new Topology('unstartable');
const quiet = topology.spout('quiet', Quiet, { outputs: { default: ['n'] } });
topology.bolt('ghost', shell('no-such-interpreter', 'crash_at_start.py')).shuffle(quiet);
export default topology;
