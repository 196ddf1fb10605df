/**
 * The docs' sample of a Redis spout's start position, replay back-off and client options (docs/redis.md cites the
 * Orders class): orders (RedisStreamSpout on "in") → sink (RedisStreamBolt to "out", named for CLIENT LIST).
 */
import { Topology } from 'squall';
import { RedisStreamBolt, RedisStreamSpout } from 'squall/redis';
import type { RedisStreamBoltOptions, RedisStreamSpoutOptions } from 'squall/redis';

class Orders extends RedisStreamSpout {
  static override options: RedisStreamSpoutOptions = {
    stream: 'in',
    // Each new deployment (squall run, squall submit) starts with entries added from then on; a task that
    // restarts within a deployment carries on where the group is.
    startPosition: 'latest',
    // Replays after about 200 ms, 400 ms, 800 ms, … up to 5 s, each up to a third shorter, at random.
    retryDelayMs: 200,
    maxRetryDelayMs: 5000,
    retryJitter: 0.33,
    // For node-redis: a name CLIENT LIST shows, and a PING every 10 s so an idle connection stays open.
    clientOptions: { name: 'orders-reader', pingInterval: 10_000 },
  };
}

class Sink extends RedisStreamBolt {
  static override options: RedisStreamBoltOptions = { stream: 'out', clientOptions: { name: 'orders-sink' } };
}

const topology = new Topology('redis-latest', { 'topology.message.timeout.secs': 5 });
const orders = topology.spout('orders', Orders, { outputs: { default: ['seq'] } });
topology.bolt('sink', Sink).shuffle(orders);
export default topology;
