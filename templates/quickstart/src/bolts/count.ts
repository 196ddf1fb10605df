import { Bolt } from 'squall';
import type { Tuple } from 'squall';

/** Counts words. The fields grouping on "word" sends each word to one task, so each count is complete. */
export class CountBolt extends Bolt<{ word: string }> {
  private readonly counts = new Map<string, number>();

  override process(tuple: Tuple<{ word: string }>): void {
    const word = tuple.get('word');
    const count = (this.counts.get(word) ?? 0) + 1;
    this.counts.set(word, count);
    this.emit([word, count]);
  }

  /** Every `topology.tick.tuple.freq.secs`, log the most frequent words this task has seen. */
  override processTick(): void {
    const top = [...this.counts].sort((a, b) => b[1] - a[1]).slice(0, 3);
    this.logger.info(`top words: ${top.map(([w, c]) => `${w}=${c}`).join(' ')}`);
  }
}
