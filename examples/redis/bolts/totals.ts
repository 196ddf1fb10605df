import { RedisStreamBolt } from 'squall/redis';
import type { RedisStreamBoltOptions } from 'squall/redis';

/** Appends each new total to "order-totals" (fields product and total), keeping about the last 100,000. */
export class TotalsBolt extends RedisStreamBolt {
  static override options: RedisStreamBoltOptions = { stream: 'order-totals', maxLen: 100_000 };
}
