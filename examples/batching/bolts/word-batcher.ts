import { BatchingBolt } from 'squall';
import type { Tuple } from 'squall';

/**
 * Counts words per tick instead of per tuple: `process` (inherited) only files each tuple under its word, and on
 * every tick tuple `processBatch` runs once per word seen since the last flush. One emit then stands for many
 * input tuples; it is anchored to all of them, and they are all acked when `processBatch` returns.
 */
export class WordBatcher extends BatchingBolt<{ word: string }> {
  override groupKey(tuple: Tuple<{ word: string }>): string {
    return tuple.get('word');
  }

  override processBatch(word: string, tuples: Tuple<{ word: string }>[]): void {
    this.emit([word, tuples.length]);
  }
}
