import { Bolt } from 'squall';
import type { Tuple } from 'squall';

type Message = { seq: number; body: string };

/**
 * Fails every 5th message the first time it sees it, as a bolt would on a transient error (a busy database, a
 * timeout). It remembers what it failed, so the replay goes through. The fields grouping on "seq" sends the
 * replay back to this same task, which is what makes that memory work with several tasks.
 */
export class FlakyBolt extends Bolt<Message> {
  private readonly failedOnce = new Set<number>();

  override process(tuple: Tuple<Message>): void {
    const seq = tuple.get('seq');
    if (seq % 5 === 0 && !this.failedOnce.has(seq)) {
      this.failedOnce.add(seq);
      // Failing fails the whole tuple tree at once: the spout hears of it (`onFail`) without waiting for the timeout.
      this.fail(tuple);
      return;
    }
    // Anchored to the input (auto-anchoring), so the sink's ack is part of the same tree.
    this.emit([seq, tuple.get('body').toUpperCase(), this.failedOnce.has(seq)]);
  }
}
