import { Bolt } from 'squall';
import type { Tuple } from 'squall';

type Word = { word: string; position: number };

/** Counts the words the Python bolt produced. Fields names come from the handshake, whatever the emitter's language. */
export class CountBolt extends Bolt<Word> {
  private readonly counts = new Map<string, number>();

  override process(tuple: Tuple<Word>): void {
    const word = tuple.get('word');
    const count = (this.counts.get(word) ?? 0) + 1;
    this.counts.set(word, count);
    this.emit([word, count]);
  }
}
