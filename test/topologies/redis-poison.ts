/**
 * A poison entry across restarts: reader (RedisStreamSpout on "in", maxDeliveries 3, a replay delay far longer
 * than a test run) → check (fails every entry whose body is "poison") → sink ("out"). Each run delivers the poison
 * entry once and stops before its replay, so only a delivery count kept in Redis can reach maxDeliveries.
 */
import { Bolt, Topology } from 'squall';
import type { Tuple } from 'squall';
import { RedisStreamBolt, RedisStreamSpout } from 'squall/redis';
import type { RedisStreamBoltOptions, RedisStreamSpoutOptions } from 'squall/redis';

class Reader extends RedisStreamSpout {
  static override options: RedisStreamSpoutOptions = { stream: 'in', maxDeliveries: 3, retryDelayMs: 600_000, maxRetryDelayMs: 600_000 };
}

class Check extends Bolt<{ seq: string; body: string }> {
  override process(tuple: Tuple<{ seq: string; body: string }>): void {
    if (tuple.get('body') === 'poison') return this.fail(tuple);
    this.emit([tuple.get('seq'), tuple.get('body')]);
  }
}

class Sink extends RedisStreamBolt {
  static override options: RedisStreamBoltOptions = { stream: 'out' };
}

const topology = new Topology('redis-poison', { 'topology.message.timeout.secs': 5 });
const reader = topology.spout('reader', Reader, { outputs: { default: ['seq', 'body'] } });
const check = topology.bolt('check', Check, { outputs: { default: ['seq', 'body'] } }).shuffle(reader);
topology.bolt('sink', Sink).shuffle(check);
export default topology;
