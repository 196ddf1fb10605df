/** sdk-spout.ts emitting a nested value instead of a flat one: the benchmark's measure of what nesting costs. */
import { Spout, runComponent } from '../../src/index.js';

const SENTENCE = 'the quick brown fox jumps over the lazy dog';

class Records extends Spout {
  private n = 0;
  override nextTuple(): void {
    const n = this.n++;
    this.emit([{ id: n, words: SENTENCE.split(' '), source: { name: 'bench', line: n } }], { id: n });
  }
}

void runComponent(Records);
