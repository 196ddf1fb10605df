import { Bolt } from 'squall';
import type { Tuple } from 'squall';

/**
 * One class, two components ("evens" and "odds"): each subscribes to one named stream of the spout. It checks
 * that only its parity arrives and passes the number on, labelled.
 */
export class ParityBolt extends Bolt<{ n: number }> {
  private parity: 'even' | 'odd' = 'even';

  override initialize(): void {
    this.parity = this.context.componentId === 'evens' ? 'even' : 'odd';
  }

  override process(tuple: Tuple<{ n: number }>): void {
    const n = tuple.get('n');
    if ((n % 2 === 0 ? 'even' : 'odd') !== this.parity) this.logger.error(`${this.parity} bolt got ${n} on stream ${tuple.stream}`);
    this.emit([n, this.parity]);
  }
}
