/** Logs the variables `topology.environment` sets, to check which source of that key wins. */
import { Spout, Topology } from 'squall';

class Env extends Spout {
  override initialize(): void {
    this.log(`X=${process.env.X ?? '(unset)'} Y=${process.env.Y ?? '(unset)'}`);
  }
  override nextTuple(): void {}
}

const topology = new Topology('environment', { 'topology.environment': { X: 'from-topology', Y: 'from-topology' } });
topology.spout('env', Env);
export default topology;
