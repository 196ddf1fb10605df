/**
 * Redis Streams in and out, at least once: orders (the "orders" stream) → count (running total per product) →
 * totals (the "order-totals" stream). Fill the stream, then run the topology against your Redis:
 *
 *   node dist/examples/redis/produce.js 1000 redis://127.0.0.1:6379
 *   npx squall run examples/redis --time 10 -o squall.redis.url=redis://127.0.0.1:6379
 *
 * The spout acknowledges an entry (XACK) only when its whole tuple tree is acked, that is once the sink has the
 * total in Redis; anything failed or lost in a crash is delivered again. At least once: a replayed order is
 * counted again, so totals are exact only when nothing was replayed.
 */
import { Topology } from 'squall';
import { CountBolt } from './bolts/count.js';
import { TotalsBolt } from './bolts/totals.js';
import { OrderSpout } from './spouts/orders.js';

const topology = new Topology('redis-orders', {
  // The spout reads at most this many entries ahead of the acks.
  'topology.max.spout.pending': 500,
  'topology.message.timeout.secs': 30,
});

const orders = topology.spout('orders', OrderSpout, { outputs: { default: ['product', 'quantity'] } });
// Fields grouping: each product is counted by one task.
const count = topology.bolt('count', CountBolt, { outputs: { default: ['product', 'total'] } }).fields(orders, ['product']);
topology.bolt('totals', TotalsBolt).shuffle(count);

export default topology;
