/**
 * A bolt that emits two values on a stream that declares one field: a Storm worker refuses such a tuple
 * ("Tuple created with wrong number of fields"), so squall's runtime and testBolt refuse it too.
 */
import { Bolt, Spout, Topology } from 'squall';
import type { Tuple } from 'squall';

class Words extends Spout {
  override nextTuple(): void {}
}

class Pairs extends Bolt<{ word: string }> {
  override process(tuple: Tuple<{ word: string }>): void {
    this.emit([tuple.get('word'), 1]);
  }
}

const topology = new Topology('wrong-shape');
const words = topology.spout('words', Words, { outputs: { default: ['word'] } });
topology.bolt('pairs', Pairs, { outputs: { default: ['word'] } }).shuffle(words);
export default topology;
