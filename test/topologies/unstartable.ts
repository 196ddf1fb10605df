/**
 * Two bolts that never get going: one names an interpreter that does not exist (it cannot start at all, so it is
 * not restarted), the other starts but exits before the handshake with a message on stderr (restarted, as Storm's
 * supervisor restarts a worker).
 */
import { Spout, Topology, shell } from 'squall';

class Quiet extends Spout {
  override nextTuple(): void {}
}

const topology = new Topology('unstartable');
const quiet = topology.spout('quiet', Quiet, { outputs: { default: ['n'] } });
topology.bolt('ghost', shell('no-such-interpreter', 'crash_at_start.py')).shuffle(quiet);
topology.bolt('crash', shell('python3', 'crash_at_start.py')).shuffle(quiet);
export default topology;
