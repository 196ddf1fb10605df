import { Bolt } from 'squall';
import type { Tuple } from 'squall';

/**
 * Picks the shard for each number itself (n mod shards) and emits straight to that task: a direct grouping.
 * The target must be a real task id of the subscriber, which the context lists in Storm's order.
 *
 * Storm caveat: direct emits are expected to fail on Storm 2.6.0 and later (docs/sdk.md, "Storm version caveats").
 */
export class RouterBolt extends Bolt<{ n: number; parity: string }> {
  private shards: number[] = [];

  override initialize(): void {
    this.shards = this.context.componentTasks('shards');
  }

  override process(tuple: Tuple<{ n: number; parity: string }>): void {
    const n = tuple.get('n');
    const shard = n % this.shards.length;
    this.emit([n, tuple.get('parity'), shard], { directTask: this.shards[shard], stream: 'sharded' });
  }
}
