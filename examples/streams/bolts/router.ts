import { Bolt } from 'squall';
import type { Tuple } from 'squall';

/** How many keys the numbers are spread over. */
export const BUCKETS = 10;

/**
 * Gives each number a key (its bucket, n mod 10) and emits it on the "keyed" stream. The shards subscribe with a
 * fields grouping on that key, so Storm delivers every number of a bucket to the same shard task.
 */
export class RouterBolt extends Bolt<{ n: number; parity: string }> {
  override process(tuple: Tuple<{ n: number; parity: string }>): void {
    const n = tuple.get('n');
    this.emit([n, tuple.get('parity'), n % BUCKETS], { stream: 'keyed' });
  }
}
