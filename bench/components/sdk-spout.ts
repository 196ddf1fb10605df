/** The same spout written with the squall SDK. */
import { Spout, runComponent } from '../../src/index.js';

const SENTENCE = 'the quick brown fox jumps over the lazy dog';

class Sentences extends Spout {
  private n = 0;
  override nextTuple(): void {
    this.emit([SENTENCE], { id: this.n++ });
  }
}

void runComponent(Sentences);
