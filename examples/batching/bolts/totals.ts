import { Bolt } from 'squall';
import type { Tuple } from 'squall';

type Count = { word: string; count: number };

/** Adds up the per-flush counts into running totals, and logs the leaders on its own (slower) tick. */
export class TotalsBolt extends Bolt<Count> {
  private readonly totals = new Map<string, number>();
  private changed = false;

  override process(tuple: Tuple<Count>): void {
    const word = tuple.get('word');
    this.totals.set(word, (this.totals.get(word) ?? 0) + tuple.get('count'));
    this.changed = true;
  }

  override processTick(): void {
    if (!this.changed) return;
    this.changed = false;
    const top = [...this.totals].sort((a, b) => b[1] - a[1]).slice(0, 4);
    const all = [...this.totals.values()].reduce((a, b) => a + b, 0);
    this.logger.info(`${all} words so far; top: ${top.map(([w, c]) => `${w}=${c}`).join(' ')}`);
  }
}
