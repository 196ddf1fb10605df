import { Spout } from 'squall';
import type { MessageId } from 'squall';

const SENTENCES = [
  'the cow jumped over the moon',
  'an apple a day keeps the doctor away',
  'four score and seven years ago',
  'snow white and the seven dwarfs',
  'i am at two with nature',
];

/**
 * Emits sentences reliably: each has a message id, so Storm tracks the tree of tuples it causes and calls
 * `onAck` once every bolt has processed it, or `onFail` on an error or after `topology.message.timeout.secs`.
 */
export class SentenceSpout extends Spout {
  private next = 0;

  override nextTuple(): void {
    const id = this.next++;
    this.emit([SENTENCES[id % SENTENCES.length]], { id });
  }

  override onFail(id: MessageId): void {
    this.logger.warn(`sentence ${String(id)} failed`);
  }
}
