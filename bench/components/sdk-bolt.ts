/** The same split-sentence bolt written with the squall SDK. */
import { Bolt, runComponent } from '../../src/index.js';
import type { Tuple } from '../../src/index.js';

class SplitSentence extends Bolt<{ sentence: string }> {
  override process(tuple: Tuple<{ sentence: string }>): void {
    for (const word of tuple.get('sentence').split(' ')) this.emit([word]);
  }
}

void runComponent(SplitSentence);
