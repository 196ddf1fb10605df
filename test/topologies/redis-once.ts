/**
 * The idempotent sink: reader (RedisStreamSpout on "in") → sink (RedisStreamBolt to "out", keyed by the entry's
 * `seq`): an entry whose seq was written already (a replay, or here the same seq added twice) adds nothing.
 */
import { Topology } from 'squall';
import { RedisStreamBolt, RedisStreamSpout } from 'squall/redis';
import type { RedisStreamBoltOptions, RedisStreamSpoutOptions } from 'squall/redis';

class Reader extends RedisStreamSpout {
  static override options: RedisStreamSpoutOptions = { stream: 'in' };
}

class Sink extends RedisStreamBolt {
  static override options: RedisStreamBoltOptions = { stream: 'out', idempotencyKey: 'seq' };
}

const topology = new Topology('redis-once', { 'topology.message.timeout.secs': 5 });
const reader = topology.spout('reader', Reader, { outputs: { default: ['seq', 'body'] } });
topology.bolt('sink', Sink).shuffle(reader);
export default topology;
