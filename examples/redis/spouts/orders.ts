import { RedisStreamSpout } from 'squall/redis';
import type { RedisStreamSpoutOptions } from 'squall/redis';

/**
 * Reads the "orders" stream in the consumer group "redis-orders" (the topology name); each entry's `product` and
 * `quantity` fields become the tuple's values (the declared output fields, by name). The URL comes from the conf
 * key squall.redis.url.
 */
export class OrderSpout extends RedisStreamSpout {
  static override options: RedisStreamSpoutOptions = { stream: 'orders', batchSize: 200 };
}
