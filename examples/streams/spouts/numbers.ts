import { Spout } from 'squall';

/**
 * Emits 0, 1, 2, … (up to `streams.count`, default 200) on the stream named after the number's parity. Bolts
 * subscribe to the stream they want; nothing downstream has to filter.
 */
export class NumberSpout extends Spout {
  private n = 0;

  override nextTuple(): void {
    if (this.n >= Number(this.conf['streams.count'] ?? 200)) return;
    const n = this.n++;
    this.emit([n], { id: n, stream: n % 2 === 0 ? 'even' : 'odd' });
  }
}
