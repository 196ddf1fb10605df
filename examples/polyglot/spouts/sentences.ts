import { Spout } from 'squall';

const SENTENCES = [
  'The cow jumped over the moon!',
  'An apple a day keeps the doctor away.',
  'Café, crème brûlée; déjà vu?',
  'Four score and seven years ago...',
];

/** Emits `polyglot.sentences` sentences (default 200), reliably: the Python bolt anchors and acks into the tree. */
export class SentenceSpout extends Spout {
  private n = 0;

  override nextTuple(): void {
    if (this.n >= Number(this.conf['polyglot.sentences'] ?? 200)) return;
    const id = this.n++;
    this.emit([SENTENCES[id % SENTENCES.length]], { id });
  }
}
