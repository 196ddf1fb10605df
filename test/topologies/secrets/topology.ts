/** Resources next to secrets: the JAR must carry data/words.txt and nothing secret. */
import { Spout, Topology } from 'squall';

class Idle extends Spout {
  override nextTuple(): void {}
}

const topology = new Topology('secrets');
topology.spout('idle', Idle);
topology.resource('data');
if (process.env.SQUALL_TEST_PACK_CONFIG) topology.resource('config.json');
export default topology;
