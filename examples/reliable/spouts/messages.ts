import { ReliableSpout } from 'squall';
import type { MessageId } from 'squall';

/**
 * Emits `reliable.messages` numbered messages (default 100) with emitReliable: each is kept in memory until its
 * tuple tree is acked, and re-emitted with the same id when it fails or times out, up to `maxRetries` times.
 */
export class MessageSpout extends ReliableSpout {
  static override options = { maxRetries: 3 };
  private next = 0;
  private acked = 0;
  private gaveUp = 0;

  private get total(): number {
    return Number(this.conf['reliable.messages'] ?? 100);
  }

  override nextTuple(): void {
    if (this.next >= this.total) return;
    const seq = this.next++;
    // The sequence number is the message id: a replay carries the same id, so downstream can recognise it.
    this.emitReliable([seq, `message ${seq}`], { id: seq });
  }

  override onAck(id: MessageId): void {
    this.acked++;
    // DEBUG: not sent unless squall.log.level is DEBUG (the test turns it on to check every id).
    this.logger.debug(`acked ${String(id)}`);
    this.reportIfDone();
  }

  /** One line per message lost for good; a healthy run prints none. */
  override onGiveUp(id: MessageId, values: unknown[], retries: number): void {
    this.gaveUp++;
    this.logger.warn(`gave up ${String(id)} after ${retries} replays: ${JSON.stringify(values)}`);
    this.reportIfDone();
  }

  private reportIfDone(): void {
    if (this.next === this.total && this.pendingCount === 0) {
      this.logger.info(`all ${this.total} messages settled: ${this.acked} acked, ${this.gaveUp} given up`);
    }
  }
}
