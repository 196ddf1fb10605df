/**
 * Redis Streams in and out: reader (RedisStreamSpout on "in") → check → sink (RedisStreamBolt to "out"). The check
 * bolt fails every entry whose body is "poison" (so it ends in the dead-letter stream), may hold each tuple for
 * `test.delay.ms`, and logs each new high of tuples held at once (to show max.spout.pending is respected). The
 * reader's own callbacks log what they hear, to show the spout's XACKs and replays do not depend on them.
 */
import { Bolt, Topology } from 'squall';
import type { MessageId, Tuple } from 'squall';
import { RedisStreamBolt, RedisStreamSpout } from 'squall/redis';
import type { RedisStreamBoltOptions, RedisStreamSpoutOptions } from 'squall/redis';

class Reader extends RedisStreamSpout {
  static override options: RedisStreamSpoutOptions = { stream: 'in', maxDeliveries: 3, retryDelayMs: 20 };
  private acks = 0;
  // No super calls: XACK, replays and dead letters are the spout's own work, done before these are told.
  override onAck(): void {
    this.acks++;
  }
  override onFail(_id: MessageId, values: unknown[]): void {
    this.logger.info(`onFail seq ${String(values[0])}`);
  }
  override onDeactivate(): void {
    this.logger.info(`onAck heard ${this.acks}`);
  }
}

class Check extends Bolt<{ seq: string; body: string }> {
  static override options = { concurrency: 100 };
  private held = 0;
  private most = 0;
  override async process(tuple: Tuple<{ seq: string; body: string }>): Promise<void> {
    this.held++;
    if (this.held > this.most) this.logger.info(`holding ${(this.most = this.held)}`);
    const delay = Number(this.conf['test.delay.ms'] ?? 0);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    this.held--;
    if (tuple.get('body') === 'poison') return this.fail(tuple);
    this.emit([tuple.get('seq'), tuple.get('body')]);
  }
}

class Sink extends RedisStreamBolt {
  static override options: RedisStreamBoltOptions = { stream: 'out' };
}

const topology = new Topology('redis-flow', { 'topology.message.timeout.secs': 5 });
const reader = topology.spout('reader', Reader, { outputs: { default: ['seq', 'body'] } });
const check = topology.bolt('check', Check, { outputs: { default: ['seq', 'body'] } }).shuffle(reader);
topology.bolt('sink', Sink).shuffle(check);
export default topology;
