/** A bolt that emits the value it receives: the benchmark's measure of what a nested value costs per tuple. */
import { Bolt, runComponent } from '../../src/index.js';
import type { Tuple } from '../../src/index.js';

class Echo extends Bolt {
  override process(tuple: Tuple): void {
    this.emit([tuple.values[0]]);
  }
}

void runComponent(Echo);
