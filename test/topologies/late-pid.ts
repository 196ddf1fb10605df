/** A squall spout feeding a Python bolt that writes its pid file after its pid reply (late_pid.py). */
import { Spout, Topology, shell } from 'squall';

class Numbers extends Spout {
  private n = 0;
  override nextTuple(): void {
    if (this.n < 20) this.emit([this.n], { id: this.n++ });
  }
}

const topology = new Topology('late-pid', { 'topology.message.timeout.secs': 5 });
const numbers = topology.spout('numbers', Numbers, { outputs: { default: ['n'] } });
topology.bolt('late', shell('python3', 'late_pid.py')).shuffle(numbers);
topology.resource('multilang.py');
export default topology;
