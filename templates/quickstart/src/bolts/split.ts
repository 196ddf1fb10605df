import { Bolt } from 'squall';
import type { Tuple } from 'squall';

/** Splits each sentence into words. Emits are anchored to the sentence; returning acks it. */
export class SplitBolt extends Bolt<{ sentence: string }> {
  override process(tuple: Tuple<{ sentence: string }>): void {
    for (const word of tuple.get('sentence').split(' ')) this.emit([word]);
  }
}
