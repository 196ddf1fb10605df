import { Spout } from 'squall';

const TEXT = 'the quick brown fox jumps over the lazy dog and the dog sleeps while the fox runs';
const WORDS = TEXT.split(' ');

/**
 * Feeds words at a steady `batching.words.per.sec` (default 100), each with a message id, so the batches that
 * hold them are acked (or replayed) as a whole.
 */
export class WordSpout extends Spout {
  private fed = 0;
  private startedAt = 0;

  override onActivate(): void {
    this.startedAt = Date.now();
  }

  override nextTuple(): void {
    const rate = Number(this.conf['batching.words.per.sec'] ?? 100);
    // Emit only as many words as the rate allows so far; an empty nextTuple lets the SDK back off briefly.
    if (this.fed >= ((Date.now() - this.startedAt) * rate) / 1000) return;
    const n = this.fed++;
    this.emit([WORDS[n % WORDS.length]], { id: n });
  }
}
