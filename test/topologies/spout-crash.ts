/**
 * A spout that dies while acks are on their way to it. The bolt holds tuples and acks them ten at a time, so ten
 * trees complete at once; the spout kills its own process when the first of those acks reaches it (once, marked
 * by test.crash.file). It logs every ack and fail it receives.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { Bolt, Spout, Topology } from 'squall';
import type { MessageId, Tuple } from 'squall';

class Numbers extends Spout {
  private n = 0;
  override nextTuple(): void {
    if (this.n < Number(this.conf['test.count'] ?? 40)) this.emit([this.n], { id: this.n++ });
  }
  override onAck(id: MessageId): void {
    const crashFile = this.conf['test.crash.file'];
    if (typeof crashFile === 'string' && !existsSync(crashFile)) {
      writeFileSync(crashFile, 'crashed');
      process.kill(process.pid, 'SIGKILL');
    }
    this.log(`ack ${String(id)}`);
  }
  override onFail(id: MessageId): void {
    this.log(`fail ${String(id)}`);
  }
}

class TenAtOnce extends Bolt {
  static override options = { autoAck: false };
  private held: Tuple[] = [];
  override process(tuple: Tuple): void {
    this.held.push(tuple);
    if (this.held.length < 10) return;
    for (const t of this.held) this.ack(t);
    this.held = [];
  }
}

const topology = new Topology('spout-crash', { 'topology.message.timeout.secs': 2, 'topology.max.spout.pending': 10 });
const numbers = topology.spout('numbers', Numbers, { outputs: { default: ['n'] } });
topology.bolt('batch', TenAtOnce).shuffle(numbers);
export default topology;
