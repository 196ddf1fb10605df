import type { BoltOptions } from '../../component/bolt.js';
import { Bolt } from '../../component/bolt.js';
import type { Conf } from '../../component/component.js';
import { describeError } from '../../component/component.js';
import type { TopologyContext } from '../../component/context.js';
import type { Fields, Tuple } from '../../component/tuple.js';
import { RedisConnection, redisUrl } from './client.js';
import { fieldArgs } from './entries.js';

export interface RedisStreamBoltOptions extends Omit<BoltOptions, 'autoAck' | 'autoFail'> {
  /** Redis URL. Default: the conf key `squall.redis.url`, else redis://127.0.0.1:6379. */
  url?: string;
  /** The stream to add to, or a function choosing it per tuple (or override the `streamFor` method). Required. */
  stream?: string | ((tuple: Tuple<any>) => string);
  /** Trim the stream to about this many entries on each add (`MAXLEN ~ n`). Default: no trimming. */
  maxLen?: number;
  /**
   * The entry's fields for a tuple (or override the `toEntry` method). Default: the tuple's fields by name, strings
   * as they are and other values as JSON.
   */
  toEntry?: (tuple: Tuple<any>) => Record<string, unknown>;
  /**
   * XADDs in flight at once (default 100, Storm's `topology.shellbolt.max.pending`): node-redis writes the
   * commands issued together in one round trip, so this is the pipeline depth.
   */
  concurrency?: number;
}

/**
 * A sink: XADD each tuple to a stream and ack it only once Redis has confirmed the add. A failed add (Redis down,
 * an error reply) fails the tuple, so its spout replays it: nothing is dropped silently.
 *
 *   class Results extends RedisStreamBolt {
 *     static override options: RedisStreamBoltOptions = { stream: 'results', maxLen: 100_000 };
 *   }
 */
export class RedisStreamBolt<F extends Fields = Fields> extends Bolt<F> {
  static override options?: RedisStreamBoltOptions;
  /** Entries added, and tuples failed because their add failed. */
  readonly counts = { added: 0, failed: 0 };
  protected readonly redisOptions: RedisStreamBoltOptions;
  protected redis!: RedisConnection;
  private trim: string[] = [];
  private lastWarningAt = 0;

  constructor(options: RedisStreamBoltOptions = {}) {
    const defaults = (new.target as typeof RedisStreamBolt).options ?? {};
    const merged = { ...defaults, ...options };
    // Acked only after Redis confirmed; failed (never thrown) when it did not.
    super({ ...merged, autoAck: true, autoFail: true, concurrency: merged.concurrency ?? 100 });
    this.redisOptions = merged;
  }

  override async initialize(conf: Conf, context: TopologyContext): Promise<void> {
    const { stream, maxLen } = this.redisOptions;
    if (stream === undefined || stream === '') {
      throw new Error(`${context.componentId}: RedisStreamBolt needs a stream: set options.stream (e.g. static options = { stream: 'results' })`);
    }
    if (maxLen !== undefined) {
      if (!Number.isInteger(maxLen) || maxLen <= 0) throw new Error(`${context.componentId}: RedisStreamBolt option maxLen must be a whole number >= 1, got ${String(maxLen)}`);
      this.trim = ['MAXLEN', '~', String(maxLen)];
    }
    this.redis = new RedisConnection(redisUrl(this.redisOptions.url, conf), this.logger, `${context.componentId}[${context.taskId}]`);
    await this.redis.started();
  }

  override async process(tuple: Tuple<F>): Promise<void> {
    if (this.redis.fatalError) throw this.redis.fatalError;
    const key = this.streamFor(tuple);
    const fields = this.toEntry(tuple);
    try {
      await this.redis.command(['XADD', key, ...this.trim, '*', ...fieldArgs(fields)]);
      this.counts.added++;
    } catch (err) {
      // Failed, not thrown: a throw would end the process, and the spout replays a failed tuple anyway.
      this.counts.failed++;
      this.fail(tuple);
      if (!this.redis.ready) this.redis.countFailure();
      else if (Date.now() - this.lastWarningAt > 5000) {
        this.lastWarningAt = Date.now();
        this.logger.warn(`XADD to "${key}" failed, tuple failed for replay: ${describeError(err)}`);
      }
    }
  }

  /** The stream a tuple goes to: the `stream` option, or what it returns for the tuple. */
  protected streamFor(tuple: Tuple<F>): string {
    const { stream } = this.redisOptions;
    return typeof stream === 'function' ? stream(tuple) : stream!;
  }

  /** The entry's fields: the `toEntry` option, else the tuple's fields by name (positions when none are declared). */
  protected toEntry(tuple: Tuple<F>): Record<string, unknown> {
    if (this.redisOptions.toEntry) return this.redisOptions.toEntry(tuple);
    if (tuple.fields.length > 0) return tuple.toObject() as Record<string, unknown>;
    return Object.fromEntries(tuple.values.map((value, i) => [String(i), value]));
  }
}
