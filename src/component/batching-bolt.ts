import type { BoltOptions } from './bolt.js';
import { Bolt, BOLT_DEFAULTS } from './bolt.js';
import type { Conf } from './component.js';
import type { TopologyContext } from './context.js';
import type { Fields, Tuple } from './tuple.js';

export interface BatchingBoltOptions extends Omit<BoltOptions, 'autoAck' | 'concurrency'> {
  /** Flush after this many tick tuples (default 1: every `topology.tick.tuple.freq.secs`). */
  ticksBetweenBatches?: number;
}

/** The defaults of a batching bolt's options (it never auto-acks, and runs one batch at a time). */
export const BATCHING_BOLT_DEFAULTS: Readonly<Required<BoltOptions> & Required<BatchingBoltOptions>> = {
  ...BOLT_DEFAULTS,
  autoAck: false,
  concurrency: 1,
  ticksBetweenBatches: 1,
};

/**
 * Groups tuples by key and hands each group to `processBatch` on tick tuples; the whole batch is acked when
 * `processBatch` returns, or failed when it throws. Emits inside `processBatch` anchor to every tuple of the batch.
 *
 * Needs tick tuples: set `topology.tick.tuple.freq.secs` on the component. A batch holds its tuples unacked, so
 * keep `topology.shellbolt.max.pending` above the largest batch and batches well inside
 * `topology.message.timeout.secs`, or Storm times them out and the spout replays them.
 */
export abstract class BatchingBolt<F extends Fields = Fields> extends Bolt<F> {
  static override options?: BatchingBoltOptions;
  /** Batches are flushed in order, one at a time: squall.concurrency must not change that. */
  protected override readonly concurrencyConfigurable = false;
  declare readonly options: Required<BoltOptions> & Required<BatchingBoltOptions>;
  private ticks = 0;
  private batches = new Map<string, Tuple<F>[]>();
  private flushing: Tuple<F>[] | undefined;

  constructor(options: BatchingBoltOptions = {}) {
    // Batched tuples are acked by the flush, never when `process` returns; one batch runs at a time.
    super({ ...options, autoAck: false, concurrency: 1 }, BATCHING_BOLT_DEFAULTS);
    this.options.ticksBetweenBatches = Math.max(1, Math.floor(this.options.ticksBetweenBatches));
  }

  /** The batch a tuple belongs to (default: one batch for all). */
  groupKey(_tuple: Tuple<F>): string {
    return '';
  }

  /** Handle one batch. Acked as a whole on return; failed as a whole if it throws. */
  abstract processBatch(key: string, tuples: Tuple<F>[]): void | Promise<void>;

  override initialize(conf: Conf, context: TopologyContext): void | Promise<void> {
    // A cluster's handshake carries Storm's default, null, when no frequency is set.
    if (conf['topology.tick.tuple.freq.secs'] == null) {
      this.logger.warn(
        `${context.componentId} is a BatchingBolt but topology.tick.tuple.freq.secs is not set: batches will never ` +
          'flush. Set it in the component config.',
      );
    }
  }

  override process(tuple: Tuple<F>): void {
    const key = this.groupKey(tuple);
    const batch = this.batches.get(key);
    if (batch) batch.push(tuple);
    else this.batches.set(key, [tuple]);
  }

  override async processTick(_tick: Tuple<Fields>): Promise<void> {
    if (++this.ticks < this.options.ticksBetweenBatches) return;
    this.ticks = 0;
    const batches = this.batches;
    this.batches = new Map();
    for (const [key, tuples] of batches) {
      this.flushing = tuples;
      try {
        await this.processBatch(key, tuples);
      } catch (err) {
        for (const tuple of tuples) if (this.isPending(tuple)) this.fail(tuple);
        this.handleException(err, `processBatch (key "${key}", ${tuples.length} tuples)`);
        continue;
      } finally {
        this.flushing = undefined;
      }
      for (const tuple of tuples) if (this.isPending(tuple)) this.ack(tuple);
    }
  }

  protected override autoAnchors(): string[] {
    if (!this.flushing) return super.autoAnchors();
    return this.flushing.filter((tuple) => this.isPending(tuple)).map((tuple) => tuple.id);
  }
}
