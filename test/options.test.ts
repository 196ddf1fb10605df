import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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

  it('keeps what a class fixes: a batching bolt never auto-acks and runs one batch at a time', () => {
    assert.deepEqual(new Batching().options, { ...BATCHING_BOLT_DEFAULTS, ticksBetweenBatches: 3, autoFail: false });
    assert.equal(new Batching().options.autoAck, false);
    assert.equal(new Plain({ concurrency: 0 }).options.concurrency, 1, 'concurrency is at least 1');
  });
});
