import type { BoltOptions } from '../../component/bolt.js';
import { Bolt, BOLT_DEFAULTS } from '../../component/bolt.js';
import type { Conf } from '../../component/component.js';
import { describeError } from '../../component/component.js';
import type { TopologyContext } from '../../component/context.js';
import type { Fields, Tuple } from '../../component/tuple.js';
import type { RedisClientSettings, RedisTlsOptions } from './client.js';
import { RedisConnection, redisUrl } from './client.js';
import { fieldArgs } from './entries.js';

export interface RedisStreamBoltOptions extends Omit<BoltOptions, 'autoAck' | 'autoFail'> {
  /** Redis URL. Default: the conf key `squall.redis.url`, else redis://127.0.0.1:6379. */
  url?: string;
  /** The name of an environment variable holding the URL (keeps the password out of the topology config). */
  urlEnv?: string;
  /** TLS client options (`ca`, `cert`, `key`, `servername`), for a `rediss://` URL. */
  tls?: RedisTlsOptions;
  /** More node-redis `createClient` options (`name`, `pingInterval`, `socket.keepAlive`, …); see docs/redis.md. */
  clientOptions?: RedisClientSettings;
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
  /** Longest wait for a Redis reply (ms, default 5000); past it the tuple is failed for replay. */
  commandTimeoutMs?: number;
  /**
   * Effectively once: the tuple field (or a function of the tuple) that names each write uniquely, such as the
   * source entry's id. The add and a marker `<stream>:written:<key>` (kept `idempotencyTtlMs`) are applied in one
   * script, so a replayed tuple whose add already happened writes nothing. Holds while processing is
   * deterministic (a replay builds the same key) and the TTL outlasts the longest replay delay.
   */
  idempotencyKey?: string | ((tuple: Tuple<any>) => string);
  /** How long a write's marker is kept (ms, default one day). */
  idempotencyTtlMs?: number;
}

/** The defaults of a Redis stream bolt's options: acked only after Redis confirmed, failed (never thrown) otherwise. */
export const REDIS_STREAM_BOLT_DEFAULTS = { ...BOLT_DEFAULTS, autoAck: true, autoFail: true, concurrency: 100, commandTimeoutMs: 5000, idempotencyTtlMs: 86_400_000 } as const;

/** The marker and the add, atomically: a marker already there means this write happened (nil reply). */
const ADD_ONCE = "if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then return redis.call('XADD', KEYS[1], unpack(ARGV, 2)) end return false";

/** The options after the one resolution: those with a default are always set. */
type ResolvedOptions = RedisStreamBoltOptions & Required<BoltOptions> & Required<Pick<RedisStreamBoltOptions, 'commandTimeoutMs' | 'idempotencyTtlMs'>>;

/**
 * A sink: XADD each tuple to a stream and ack it only once Redis has confirmed the add. A failed add (Redis down,
 * an error reply, no reply in time) fails the tuple, so its spout replays it: nothing is dropped silently.
 *
 *   class Results extends RedisStreamBolt {
 *     static override options: RedisStreamBoltOptions = { stream: 'results', maxLen: 100_000 };
 *   }
 */
export class RedisStreamBolt<F extends Fields = Fields> extends Bolt<F> {
  static override options?: RedisStreamBoltOptions;
  declare readonly options: ResolvedOptions;
  /** Entries added, replayed writes skipped (idempotent mode), and tuples failed because their add failed. */
  readonly counts = { added: 0, skipped: 0, failed: 0 };
  protected redis!: RedisConnection;
  private trim: string[] = [];
  private lastWarningAt = 0;

  constructor(options: RedisStreamBoltOptions = {}) {
    super(options, REDIS_STREAM_BOLT_DEFAULTS);
    // What this bolt's correctness rests on, whatever the options say.
    this.options.autoAck = true;
    this.options.autoFail = true;
  }

  override async initialize(conf: Conf, context: TopologyContext): Promise<void> {
    const { stream, maxLen } = this.options;
    if (stream === undefined || stream === '') {
      throw new Error(`${context.componentId}: RedisStreamBolt needs a stream: set options.stream (e.g. static options = { stream: 'results' })`);
    }
    const { idempotencyTtlMs } = this.options;
    if (!Number.isInteger(idempotencyTtlMs) || idempotencyTtlMs <= 0) {
      throw new Error(`${context.componentId}: RedisStreamBolt option idempotencyTtlMs must be a whole number >= 1, got ${String(idempotencyTtlMs)}`);
    }
    if (maxLen !== undefined) {
      if (!Number.isInteger(maxLen) || maxLen <= 0) throw new Error(`${context.componentId}: RedisStreamBolt option maxLen must be a whole number >= 1, got ${String(maxLen)}`);
      this.trim = ['MAXLEN', '~', String(maxLen)];
    }
    this.redis = new RedisConnection(redisUrl(this.options, conf), this.logger, `${context.componentId}[${context.taskId}]`, {
      commandTimeoutMs: this.options.commandTimeoutMs,
      tls: this.options.tls,
      clientOptions: this.options.clientOptions,
    });
    await this.redis.started();
  }

  override async process(tuple: Tuple<F>): Promise<void> {
    if (this.redis.fatalError) throw this.redis.fatalError;
    const key = this.streamFor(tuple);
    const fields = this.toEntry(tuple);
    try {
      const add = [...this.trim, '*', ...fieldArgs(fields)];
      const once = this.writeKey(tuple);
      if (once === undefined) {
        await this.redis.command(['XADD', key, ...add]);
        this.counts.added++;
      } else {
        const id = await this.redis.command(['EVAL', ADD_ONCE, '2', key, `${key}:written:${once}`, String(this.options.idempotencyTtlMs), ...add]);
        if (id === null) this.counts.skipped++;
        else this.counts.added++;
      }
    } catch (err) {
      if (this.redis.fatalError) throw this.redis.fatalError;
      // Failed, not thrown: a throw would end the process, and the spout replays a failed tuple anyway.
      this.counts.failed++;
      this.fail(tuple);
      if (!this.redis.ready || this.redis.stalled) this.redis.countFailure();
      else if (Date.now() - this.lastWarningAt > 5000) {
        this.lastWarningAt = Date.now();
        this.logger.warn(`XADD to "${key}" failed, tuple failed for replay: ${describeError(err)}`);
      }
    }
  }

  /** The key naming this tuple's write in idempotent mode, or undefined without it. */
  private writeKey(tuple: Tuple<F>): string | undefined {
    const { idempotencyKey } = this.options;
    if (idempotencyKey === undefined) return undefined;
    const key = typeof idempotencyKey === 'function' ? idempotencyKey(tuple) : tuple.get(idempotencyKey as never);
    if (key === undefined || key === null || key === '') {
      throw new Error(`${this.context.componentId}: RedisStreamBolt idempotencyKey gave no key for a tuple (fields ${tuple.fields.join(', ')}): each write needs one`);
    }
    return String(key);
  }

  /** The stream a tuple goes to: the `stream` option, or what it returns for the tuple. */
  protected streamFor(tuple: Tuple<F>): string {
    const { stream } = this.options;
    return typeof stream === 'function' ? stream(tuple) : stream!;
  }

  /** The entry's fields: the `toEntry` option, else the tuple's fields by name (positions when none are declared). */
  protected toEntry(tuple: Tuple<F>): Record<string, unknown> {
    if (this.options.toEntry) return this.options.toEntry(tuple);
    if (tuple.fields.length > 0) return tuple.toObject() as Record<string, unknown>;
    return Object.fromEntries(tuple.values.map((value, i) => [String(i), value]));
  }
}
