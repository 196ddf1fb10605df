/**
 * At-least-once bookkeeping under trouble. The spout emits `test.count` numbered messages and logs every ack and
 * fail. The flaky bolt fails multiples of 7 and never acks multiples of 11 (they time out); when the conf names
 * a crash file, it kills its own process once, at message 20.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { Bolt, Spout, Topology } from 'squall';
import type { MessageId, Tuple } from 'squall';

class Numbers extends Spout {
  private n = 0;
  override nextTuple(): void {
    if (this.n < Number(this.conf['test.count'] ?? 50)) this.emit([this.n], { id: this.n++ });
  }
  override onAck(id: MessageId): void {
    this.log(`ack ${String(id)}`);
  }
  override onFail(id: MessageId): void {
    this.log(`fail ${String(id)}`);
  }
}

class Flaky extends Bolt<{ n: number }> {
  static override options = { autoAck: false };
  override process(tuple: Tuple<{ n: number }>): void {
    const n = tuple.get('n');
    const crashFile = this.conf['test.crash.file'];
    if (typeof crashFile === 'string' && n === 20 && !existsSync(crashFile)) {
      writeFileSync(crashFile, 'crashed');
      process.kill(process.pid, 'SIGKILL');
    }
    this.emit([n * 2]);
    if (n % 7 === 0) this.fail(tuple);
    else if (n % 11 !== 0) this.ack(tuple);
  }
}

class Sink extends Bolt {
  override process(): void {}
}

const topology = new Topology('reliability', { 'topology.message.timeout.secs': 2, 'topology.max.spout.pending': 10 });
const numbers = topology.spout('numbers', Numbers, { outputs: { default: ['n'] } });
const flaky = topology.bolt('flaky', Flaky, { outputs: { default: ['double'] }, parallelism: 2 }).shuffle(numbers);
topology.bolt('sink', Sink).shuffle(flaky);
export default topology;
