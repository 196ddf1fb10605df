/** A topology whose bolt module calls runComponent at its end (see self-serving-bolt.ts). */
import { Bolt, Spout, Topology } from 'squall';
import { Split } from './self-serving-bolt.js';

class Sentences extends Spout {
  private sent = 0;
  override nextTuple(): void {
    if (this.sent < 10) this.emit([`sentence number ${this.sent++}`]);
  }
}

class Sink extends Bolt {
  override process(): void {}
}

const topology = new Topology('self-serving');
const sentences = topology.spout('sentences', Sentences, { outputs: { default: ['sentence'] } });
const split = topology.bolt('split', Split, { outputs: { default: ['word'] } }).shuffle(sentences);
topology.bolt('sink', Sink).shuffle(split);
export default topology;
