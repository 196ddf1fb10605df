/**
 * A bolt subscribed twice to the same stream of the same component. Storm keys a bolt's inputs by (component,
 * stream), so it cannot hold both: every command refuses it before anything is built, started or killed.
 */
import { Bolt, Spout, Topology } from 'squall';

class Words extends Spout {
  override nextTuple(): void {
    this.emit(['word']);
  }
}

class Tally extends Bolt {
  override process(): void {}
}

const topology = new Topology('double-subscription');
const words = topology.spout('words', Words, { outputs: { default: ['word'] } });
topology.bolt('tally', Tally).shuffle(words).fields(words, ['word']);
export default topology;
