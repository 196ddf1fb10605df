/**
 * A bolt module ending as `squall --help` shows a one-class script: `runComponent(Split)`. Imported by a topology
 * (self-serving.ts), that line must do nothing: the CLI keeps its stdin/stdout, and each process serves the
 * component its handshake names.
 */
import { Bolt, runComponent } from 'squall';
import type { Tuple } from 'squall';

export class Split extends Bolt<{ sentence: string }> {
  override process(tuple: Tuple<{ sentence: string }>): void {
    for (const word of tuple.get('sentence').split(' ')) this.emit([word]);
  }
}

void runComponent(Split);
