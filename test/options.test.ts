import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDIS_STREAM_BOLT_DEFAULTS, REDIS_STREAM_SPOUT_DEFAULTS, RedisStreamBolt, RedisStreamSpout } from '../src/connectors/redis/index.js';
import type { RedisStreamBoltOptions, RedisStreamSpoutOptions } from '../src/connectors/redis/index.js';
import { BATCHING_BOLT_DEFAULTS, BatchingBolt, Bolt, BOLT_DEFAULTS, RELIABLE_SPOUT_DEFAULTS, ReliableSpout } from '../src/index.js';

class Plain extends Bolt {
  process(): void {}
}
class Declared extends Bolt {
  static override options = { autoAck: false, concurrency: 4, logLevel: 'DEBUG' as const };
  process(): void {}
}
class Batching extends BatchingBolt {
  static override options = { ticksBetweenBatches: 3, autoFail: false };
  processBatch(): void {}
}
class Replaying extends ReliableSpout {
  static override options = { maxRetries: 2 };
  nextTuple(): void {}
}

class Orders extends RedisStreamSpout {
  static override options: RedisStreamSpoutOptions = { stream: 'orders', batchSize: 50 };
}
class Totals extends RedisStreamBolt {
  static override options: RedisStreamBoltOptions = { stream: 'totals', maxLen: 10 };
}

describe('SDK options: one resolution, one typed this.options', () => {
  it('takes the constructor, else static options, else the class defaults', () => {
    assert.deepEqual(new Plain().options, BOLT_DEFAULTS);
    assert.deepEqual(new Declared().options, { ...BOLT_DEFAULTS, autoAck: false, concurrency: 4, logLevel: 'DEBUG' });
    assert.deepEqual(new Declared({ concurrency: 2, exitOnException: false }).options, {
      ...BOLT_DEFAULTS,
      autoAck: false,
      concurrency: 2,
      logLevel: 'DEBUG',
      exitOnException: false,
    });
    assert.deepEqual(new Replaying().options, { ...RELIABLE_SPOUT_DEFAULTS, maxRetries: 2 });
  });

  it("carries options that have no default (a connector's stream, url, …) through the same resolution", () => {
    assert.deepEqual(new Orders().options, { ...REDIS_STREAM_SPOUT_DEFAULTS, stream: 'orders', batchSize: 50 });
    assert.deepEqual(new Orders({ url: 'redis://h:1', maxDeliveries: 2 }).options, { ...REDIS_STREAM_SPOUT_DEFAULTS, stream: 'orders', batchSize: 50, url: 'redis://h:1', maxDeliveries: 2 });
    assert.deepEqual(new Totals({ concurrency: 8 }).options, { ...REDIS_STREAM_BOLT_DEFAULTS, stream: 'totals', maxLen: 10, concurrency: 8 });
    assert.equal(new Totals({ autoAck: false } as never).options.autoAck, true, 'the sink acks only after Redis confirmed, whatever is asked');
    assert.deepEqual(Object.keys(new Plain().options).sort(), Object.keys(BOLT_DEFAULTS).sort(), 'no key appears that nobody gave');
  });

  it('keeps what a class fixes: a batching bolt never auto-acks and runs one batch at a time', () => {
    assert.deepEqual(new Batching().options, { ...BATCHING_BOLT_DEFAULTS, ticksBetweenBatches: 3, autoFail: false });
    assert.equal(new Batching().options.autoAck, false);
    assert.equal(new Plain({ concurrency: 0 }).options.concurrency, 1, 'concurrency is at least 1');
  });
});
