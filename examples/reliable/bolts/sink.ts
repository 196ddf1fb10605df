import { Bolt } from 'squall';
import type { Tuple } from 'squall';

type Processed = { seq: number; body: string; replayed: boolean };

/** The end of the line: counts what arrived (returning acks each tuple, completing its tree). */
export class SinkBolt extends Bolt<Processed> {
  private readonly seen = new Set<number>();
  private replayed = 0;
  private reported = 0;

  override process(tuple: Tuple<Processed>): void {
    this.seen.add(tuple.get('seq'));
    if (tuple.get('replayed')) this.replayed++;
  }

  /** Progress once a second while messages arrive (the component config sets the tick frequency). */
  override processTick(): void {
    if (this.seen.size === this.reported) return;
    this.reported = this.seen.size;
    this.logger.info(`received ${this.seen.size} distinct messages, ${this.replayed} of them after a replay`);
  }
}
