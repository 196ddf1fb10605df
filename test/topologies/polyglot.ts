/** A Python shell bolt between a TypeScript spout and a TypeScript bolt. */
import { Bolt, Spout, Topology, shell } from 'squall';
import type { Tuple } from 'squall';

class Sentences extends Spout {
  private n = 0;
  override nextTuple(): void {
    if (this.n < 20) this.emit([`hello polyglot world ${this.n}`], { id: this.n++ });
  }
}

class Upper extends Bolt<{ word: string }> {
  override process(tuple: Tuple<{ word: string }>): void {
    this.emit([tuple.get('word').toUpperCase()]);
  }
}

const topology = new Topology('polyglot', { 'topology.message.timeout.secs': 5 });
const sentences = topology.spout('sentences', Sentences, { outputs: { default: ['sentence'] } });
const split = topology.bolt('split', shell('python3', 'splitter.py'), { outputs: { default: ['word'] } }).shuffle(sentences);
// splitter.py ships automatically (it is a shell component's script); its helper module is listed here.
topology.resource('multilang.py');
topology.bolt('upper', Upper, { outputs: { default: ['word'] } }).fields(split, ['word']);
export default topology;
