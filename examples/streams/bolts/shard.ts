import { Bolt } from 'squall';
import type { Tuple } from 'squall';

type Sharded = { n: number; parity: string; shard: number };

/** One shard: checks the router sent it only its own numbers, and reports each one with its own position. */
export class ShardBolt extends Bolt<Sharded> {
  private index = -1;
  private received = 0;
  private reported = 0;

  override initialize(): void {
    this.index = this.context.componentTasks(this.context.componentId).indexOf(this.context.taskId);
  }

  override process(tuple: Tuple<Sharded>): void {
    const n = tuple.get('n');
    if (tuple.get('shard') !== this.index) this.logger.error(`shard ${this.index} (task ${this.context.taskId}) got ${n}, meant for shard ${tuple.get('shard')}`);
    this.received++;
    this.emit([n, tuple.get('parity'), this.index]);
  }

  override processTick(): void {
    if (this.received === this.reported) return;
    this.reported = this.received;
    this.logger.info(`shard ${this.index} (task ${this.context.taskId}) has ${this.received} numbers`);
  }
}
