/** A bolt whose process() throws: its stack trace must name this file and line, in a run and on a worker. */
import { Bolt, Spout, Topology } from 'squall';
import type { Tuple } from 'squall';

class Once extends Spout {
  private sent = false;
  override nextTuple(): void {
    if (this.sent) return;
    this.sent = true;
    this.emit(['boom']);
  }
}

export class Thrower extends Bolt<{ word: string }> {
  override process(tuple: Tuple<{ word: string }>): void {
    throw new Error(`cannot take ${tuple.get('word')}`);
  }
}

const topology = new Topology('bolt-throws', { 'squall.restart.delay.ms': 60_000 });
const once = topology.spout('once', Once, { outputs: { default: ['word'] } });
topology.bolt('thrower', Thrower).shuffle(once);
export default topology;
