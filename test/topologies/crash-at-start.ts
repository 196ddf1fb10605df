/**
 * A bolt that starts but exits before the handshake with a message on stderr: restarted, as Storm's supervisor
 * restarts a worker.
 */
import { Spout, Topology, shell } from 'squall';

class Quiet extends Spout {
  override nextTuple(): void {}
}

const topology = new Topology('crash-at-start');
const quiet = topology.spout('quiet', Quiet, { outputs: { default: ['n'] } });
topology.bolt('crash', shell('python3', 'crash_at_start.py')).shuffle(quiet);
export default topology;
