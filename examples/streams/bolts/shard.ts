import { Bolt } from 'squall';
import type { Tuple } from 'squall';

type Keyed = { n: number; parity: string; bucket: number };

/** One shard: owns the buckets the fields grouping sends it, passes each number on, and reports what it holds. */
export class ShardBolt extends Bolt<Keyed> {
  private readonly buckets = new Set<number>();
  private received = 0;
  private reported = 0;

  override process(tuple: Tuple<Keyed>): void {
    this.buckets.add(tuple.get('bucket'));
    this.received++;
    this.emit([tuple.get('n'), tuple.get('parity'), tuple.get('bucket')]);
  }

  override processTick(): void {
    if (this.received === this.reported) return;
    this.reported = this.received;
    const owned = [...this.buckets].sort((a, b) => a - b).join(', ');
    this.logger.info(`shard task ${this.context.taskId} has ${this.received} numbers, from buckets ${owned}`);
  }
}
