/**
 * `npm run bench` (redis line): one RedisStreamSpout task reading "bench-in" straight into one RedisStreamBolt task
 * adding to "bench-out", acking: an entry counts once the sink's XADD is confirmed and the spout's XACK follows.
 * With the conf key bench.idempotent the sink runs in its idempotent mode (EVAL of marker + XADD).
 */
import { Topology } from 'squall';
import type { Conf, TopologyContext } from 'squall';
import { RedisStreamBolt, RedisStreamSpout } from 'squall/redis';
import type { RedisStreamBoltOptions, RedisStreamSpoutOptions } from 'squall/redis';

class BenchReader extends RedisStreamSpout {
  static override options: RedisStreamSpoutOptions = { stream: 'bench-in', batchSize: 500 };
}

class BenchSink extends RedisStreamBolt {
  static override options: RedisStreamBoltOptions = { stream: 'bench-out', concurrency: 500 };
  override async initialize(conf: Conf, context: TopologyContext): Promise<void> {
    // The idempotent mode's cost: the same run with each write keyed by the entry's seq (conf bench.idempotent).
    if (conf['bench.idempotent'] === true) this.options.idempotencyKey = 'seq';
    await super.initialize(conf, context);
  }
}

const topology = new Topology('redis-bench', {
  'topology.max.spout.pending': 2000,
  'topology.shellbolt.max.pending': 500,
});
const reader = topology.spout('reader', BenchReader, { outputs: { default: ['seq', 'body'] } });
topology.bolt('sink', BenchSink).shuffle(reader);
export default topology;
