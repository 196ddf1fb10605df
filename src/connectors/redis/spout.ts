import type { Conf } from '../../component/component.js';
import { describeError } from '../../component/component.js';
import type { TopologyContext } from '../../component/context.js';
import type { MessageId, SpoutOptions } from '../../component/spout.js';
import { Spout } from '../../component/spout.js';
import { acked, deactivated, failed } from '../../component/lifecycle.js';
import { isNoGroup, RedisConnection, redisUrl } from './client.js';
import { maxSpoutPending, messageTimeoutSecs } from '../../config/keys.js';
import type { StreamEntry } from './entries.js';
import { autoClaimReply, fieldArgs, isDeleted, readGroupReply } from './entries.js';

export interface RedisStreamSpoutOptions extends SpoutOptions {
  /** Redis URL (`redis://[user:password@]host:port[/db]`). Default: the conf key `squall.redis.url`, else redis://127.0.0.1:6379. */
  url?: string;
  /** The stream to read. Required. */
  stream?: string;
  /** Consumer group (created with MKSTREAM if missing). Default: the topology name. */
  group?: string;
  /**
   * Consumer name. Default `<topology>-<component>-<task id>`: unique per task, and the same after a restart of
   * that task, so a restarted task finds its own pending entries.
   */
  consumer?: string;
  /** Where a new group starts: `0` (everything in the stream, the default) or `$` (only entries added from now on). */
  startId?: string;
  /** Most entries read per `nextTuple` (default 100; never more than max.spout.pending leaves room for). */
  batchSize?: number;
  /** How long a read waits for new entries (ms, default 100). 0 reads without waiting. */
  blockMs?: number;
  /** Replays of a failed entry before it goes to the dead-letter stream (default 5; Infinity: never). */
  maxRetries?: number;
  /** Where entries go after `maxRetries` replays (default `<stream>:dead`), with their source id and retry count. */
  deadLetterStream?: string;
  /** First replay delay after a fail (ms, default 100), doubling per replay up to 10 s. */
  retryDelayMs?: number;
  /**
   * Claim entries pending this long (ms) in other consumers' lists (tasks that are gone) with XAUTOCLAIM. Default:
   * twice `topology.message.timeout.secs`, because Storm expires a tree between one and two timeouts (the spout
   * executor's pending map rotates two buckets), so a live task's entry is never taken from it.
   */
  claimIdleMs?: number;
  /**
   * Turn an entry into tuple values. Default: the values of the declared output fields, by name (null if absent).
   * (Or override the `toTuple` method, which can read `this.conf`.)
   */
  toTuple?: (entry: StreamEntry) => unknown[];
}

/** What this spout did since it started; logged on deactivation. */
export interface RedisStreamSpoutCounts {
  /** New entries read (`>`). */
  read: number;
  /** Entries of this consumer's own pending list, delivered again after a restart. */
  recovered: number;
  /** Entries claimed from other consumers with XAUTOCLAIM. */
  claimed: number;
  acked: number;
  failed: number;
  replayed: number;
  deadLettered: number;
}

interface Pending {
  entry: StreamEntry;
  values: unknown[];
  /** Fails that count toward `maxRetries` (not those while Redis was down). */
  retries: number;
  /** Fails of any kind, for the replay back-off. */
  attempts: number;
  /** When it is due for replay (or for the dead-letter stream), while scheduled. */
  dueAt: number;
  deadLetter: string | undefined;
}

const MAX_RETRY_DELAY_MS = 10_000;
/** XACK once this many acks are waiting, even before the next `nextTuple`. */
const ACK_BATCH = 1000;

/**
 * Reads a Redis stream through a consumer group, at least once: each entry is emitted with its stream id as
 * message id; an ack → XACK; a fail → replay with back-off, and after `maxRetries` to a dead-letter stream. A
 * restarted task re-delivers its own pending entries first; entries left pending by tasks that are gone are taken
 * over with XAUTOCLAIM. Never more entries are in flight than `topology.max.spout.pending`. `onAck`, `onFail` and
 * `onDeactivate` are yours: they are told after the spout has done its own work (no `super` call needed).
 *
 *   class Orders extends RedisStreamSpout {
 *     static override options: RedisStreamSpoutOptions = { stream: 'orders' };
 *   }
 */
export class RedisStreamSpout extends Spout {
  static override options?: RedisStreamSpoutOptions;
  readonly counts: RedisStreamSpoutCounts = { read: 0, recovered: 0, claimed: 0, acked: 0, failed: 0, replayed: 0, deadLettered: 0 };
  protected readonly redisOptions: RedisStreamSpoutOptions;
  protected redis!: RedisConnection;
  private stream = '';
  private group = '';
  private consumer = '';
  private deadLetterStream = '';
  private maxPending = Infinity;
  private claimIdleMs = 60_000;
  private claimIntervalMs = 30_000;
  private outageGraceMs = 60_000;
  private groupReady = false;
  private readonly inFlight = new Map<string, Pending>();
  private readonly scheduled = new Set<Pending>();
  private ackBuffer: string[] = [];
  /** While set, this consumer's own pending list is being read again from this id (after a start or an outage). */
  private recoverFrom: string | undefined = '0';
  private recoverReason = 'left pending by an earlier run of this task';
  private recoveredThisRound = 0;
  private claimCursor = '0-0';
  private nextClaimAt = 0;
  private readonly lastWarning = new Map<string, number>();

  constructor(options: RedisStreamSpoutOptions = {}) {
    super(options);
    const defaults = (this.constructor as typeof RedisStreamSpout).options ?? {};
    this.redisOptions = { ...defaults, ...options };
  }

  override async initialize(conf: Conf, context: TopologyContext): Promise<void> {
    const o = this.redisOptions;
    if (typeof o.stream !== 'string' || o.stream.length === 0) {
      throw new Error(`${context.componentId}: RedisStreamSpout needs a stream: set options.stream (e.g. static options = { stream: 'orders' })`);
    }
    if (!o.toTuple && this.toTuple === RedisStreamSpout.prototype.toTuple && (context.outputFields() ?? []).length === 0) {
      throw new Error(
        `${context.componentId}: RedisStreamSpout emits the entry fields named by its output fields, and it declares none: ` +
          "declare them (outputs: { default: ['field', …] }) or give options.toTuple",
      );
    }
    checkCount(context.componentId, 'batchSize', o.batchSize, 1);
    checkCount(context.componentId, 'blockMs', o.blockMs, 0);
    if (o.maxRetries !== Infinity) checkCount(context.componentId, 'maxRetries', o.maxRetries, 0);
    checkCount(context.componentId, 'retryDelayMs', o.retryDelayMs, 0);
    checkCount(context.componentId, 'claimIdleMs', o.claimIdleMs, 1);
    const topology = String(conf['topology.name'] ?? 'squall');
    this.stream = o.stream;
    this.group = o.group ?? topology;
    this.consumer = o.consumer ?? `${topology}-${context.componentId}-${context.taskId}`;
    this.deadLetterStream = o.deadLetterStream ?? `${o.stream}:dead`;
    this.maxPending = maxSpoutPending(conf) ?? Infinity;
    const timeoutMs = 1000 * messageTimeoutSecs(conf);
    this.claimIdleMs = o.claimIdleMs ?? 2 * timeoutMs;
    this.claimIntervalMs = Math.max(1000, Math.min(this.claimIdleMs, timeoutMs));
    this.outageGraceMs = 2 * timeoutMs;
    // After an outage, read this consumer's pending list again: a read whose reply was lost left entries there.
    this.redis = new RedisConnection(redisUrl(o.url, conf), this.logger, `${context.componentId}[${context.taskId}]`, () => {
      this.recoverFrom = '0';
      this.recoverReason = 'pending since before the Redis outage';
    });
    await this.redis.started();
    if (this.redis.ready) await this.ensureGroup().catch((err: unknown) => this.commandFailed(err));
    this.logger.info(`reading stream "${this.stream}" as ${this.group}/${this.consumer}`);
  }

  /** Read and emit: due replays first, then this consumer's own pending entries, claims, then new entries. */
  override async nextTuple(): Promise<void> {
    if (this.redis.fatalError) throw this.redis.fatalError;
    if (!this.redis.ready) return;
    try {
      if (!this.groupReady) await this.ensureGroup();
      await this.flushAcks();
      if ((await this.runDue()) > 0) return;
      const room = Math.min(this.redisOptions.batchSize ?? 100, this.maxPending - this.inFlight.size);
      if (room <= 0) return;
      if (this.recoverFrom !== undefined) return await this.recover(room);
      if (Date.now() >= this.nextClaimAt && (await this.claim(room)) > 0) return;
      await this.readNew(room);
    } catch (err) {
      this.commandFailed(err);
    }
  }

  override async [acked](id: MessageId): Promise<void> {
    const key = String(id);
    const pending = this.inFlight.get(key);
    if (!pending) return;
    this.inFlight.delete(key);
    this.counts.acked++;
    this.ackBuffer.push(key);
    if (this.ackBuffer.length >= ACK_BATCH) await this.flushAcks().catch((err: unknown) => this.commandFailed(err));
    await this.onAck(id, pending.values);
  }

  override [failed](id: MessageId): void | Promise<void> {
    const pending = this.inFlight.get(String(id));
    if (!pending || this.scheduled.has(pending)) return;
    this.counts.failed++;
    pending.attempts++;
    // A fail during (or just after) an outage is Redis's fault, not the entry's: it does not count toward the limit.
    if (!this.redis.downWithin(this.outageGraceMs)) pending.retries++;
    const maxRetries = this.redisOptions.maxRetries ?? 5;
    if (pending.retries > maxRetries) {
      pending.deadLetter = `failed ${pending.retries} times`;
      pending.dueAt = 0;
    } else {
      pending.dueAt = Date.now() + Math.min((this.redisOptions.retryDelayMs ?? 100) * 2 ** (pending.attempts - 1), MAX_RETRY_DELAY_MS);
    }
    this.scheduled.add(pending);
    return this.onFail(id, pending.values);
  }

  override async [deactivated](): Promise<void> {
    await this.flushAcks().catch((err: unknown) => this.commandFailed(err));
    const c = this.counts;
    this.logger.info(
      `${this.stream}: read ${c.read}, recovered ${c.recovered}, claimed ${c.claimed}, acked ${c.acked}, failed ${c.failed}, ` +
        `replayed ${c.replayed}, dead-lettered ${c.deadLettered}`,
    );
    await this.onDeactivate();
  }

  /** An entry's tuple tree completed and the entry is (or will be, with the next batch) XACKed. */
  override onAck(_id: MessageId, _values: unknown[]): void | Promise<void> {}

  /** An entry's tuple tree failed; it is scheduled for a replay (or the dead-letter stream) whatever this does. */
  override onFail(_id: MessageId, _values: unknown[]): void | Promise<void> {}

  /** Entries emitted and not yet acked or dead-lettered (including those waiting for a replay). */
  get pendingCount(): number {
    return this.inFlight.size;
  }

  private async ensureGroup(): Promise<void> {
    try {
      await this.redis.command(['XGROUP', 'CREATE', this.stream, this.group, this.redisOptions.startId ?? '0', 'MKSTREAM']);
      this.logger.info(`created consumer group "${this.group}" on "${this.stream}" at ${this.redisOptions.startId ?? '0'}`);
    } catch (err) {
      if (!/BUSYGROUP/.test(describeError(err))) throw err;
    }
    this.groupReady = true;
  }

  /** This consumer's own pending list, read again from the start: what a crashed run of this task left unacked. */
  private async recover(room: number): Promise<void> {
    const reply = await this.readGroup(room, this.recoverFrom!, false);
    if (reply.length === 0) {
      if (this.recoveredThisRound > 0) this.logger.info(`re-delivered ${this.recoveredThisRound} entries ${this.recoverReason}`);
      this.recoveredThisRound = 0;
      this.recoverFrom = undefined;
      return;
    }
    for (const entry of reply) {
      this.recoverFrom = entry.id;
      if (isDeleted(entry)) this.ackBuffer.push(entry.id);
      else if (!this.inFlight.has(entry.id)) {
        this.counts.recovered++;
        this.recoveredThisRound++;
        this.emitEntry(entry);
      }
    }
  }

  /** Take over entries idle for longer than `claimIdleMs` in any consumer's list (tasks that are gone). */
  private async claim(room: number): Promise<number> {
    const reply = autoClaimReply(
      await this.redis.command(['XAUTOCLAIM', this.stream, this.group, this.consumer, String(this.claimIdleMs), this.claimCursor, 'COUNT', String(room)]),
    );
    this.claimCursor = reply.cursor;
    if (reply.cursor === '0-0') this.nextClaimAt = Date.now() + this.claimIntervalMs;
    let emitted = 0;
    for (const entry of reply.entries) {
      if (isDeleted(entry) || this.inFlight.has(entry.id)) continue;
      this.counts.claimed++;
      emitted++;
      this.emitEntry(entry);
    }
    if (emitted > 0) this.logger.info(`claimed ${emitted} entries idle over ${this.claimIdleMs} ms from consumers that are gone`);
    return emitted;
  }

  private async readNew(room: number): Promise<void> {
    for (const entry of await this.readGroup(room, '>', true)) {
      if (isDeleted(entry)) continue;
      this.counts.read++;
      this.emitEntry(entry);
    }
  }

  private async readGroup(count: number, from: string, block: boolean): Promise<ReturnType<typeof readGroupReply>> {
    const args = ['XREADGROUP', 'GROUP', this.group, this.consumer, 'COUNT', String(count)];
    const blockMs = this.redisOptions.blockMs ?? 100;
    // BLOCK 0 would wait forever, past Storm's subprocess timeout: 0 means no BLOCK at all.
    if (block && blockMs > 0) args.push('BLOCK', String(blockMs));
    args.push('STREAMS', this.stream, from);
    return readGroupReply(await this.redis.command(args));
  }

  private emitEntry(entry: StreamEntry): void {
    let values: unknown[];
    try {
      values = this.toTuple(entry);
    } catch (err) {
      // A mapping that throws would throw again on every redelivery: park the entry instead of crash-looping.
      const pending: Pending = { entry, values: [], retries: 0, attempts: 0, dueAt: 0, deadLetter: `toTuple threw ${describeError(err)}` };
      this.inFlight.set(entry.id, pending);
      this.scheduled.add(pending);
      return;
    }
    this.inFlight.set(entry.id, { entry, values, retries: 0, attempts: 0, dueAt: 0, deadLetter: undefined });
    this.emit(values, { id: entry.id });
  }

  /** The tuple values for an entry: the `toTuple` option, else the declared output fields looked up by name. */
  protected toTuple(entry: StreamEntry): unknown[] {
    if (this.redisOptions.toTuple) return this.redisOptions.toTuple(entry);
    const fields = this.context.outputFields() ?? [];
    return fields.map((field) => entry.fields[field] ?? null);
  }

  /** Replays and dead-letters that are due; returns how many tuples were emitted. */
  private async runDue(): Promise<number> {
    if (this.scheduled.size === 0) return 0;
    const now = Date.now();
    const replays: Pending[] = [];
    for (const pending of this.scheduled) {
      if (pending.dueAt > now) continue;
      if (pending.deadLetter !== undefined) await this.sendToDeadLetter(pending, pending.deadLetter);
      else replays.push(pending);
    }
    if (replays.length === 0) return 0;
    // Claim them again (min idle 0): that resets their idle time, so no other task's XAUTOCLAIM takes an entry this
    // task is still replaying, and it tells which are no longer pending (acked by a task that had claimed them).
    const ids = replays.map((p) => p.entry.id);
    const reply = await this.redis.command(['XCLAIM', this.stream, this.group, this.consumer, '0', ...ids, 'JUSTID']);
    const stillPending = new Set(Array.isArray(reply) ? reply.map(String) : []);
    let emitted = 0;
    for (const pending of replays) {
      this.scheduled.delete(pending);
      if (!stillPending.has(pending.entry.id)) {
        this.inFlight.delete(pending.entry.id);
        continue;
      }
      this.counts.replayed++;
      emitted++;
      this.emit(pending.values, { id: pending.entry.id });
    }
    return emitted;
  }

  /** XADD to the dead-letter stream and XACK the source entry, in one transaction: both happen, or neither. */
  private async sendToDeadLetter(pending: Pending, reason: string): Promise<void> {
    const { id, fields } = pending.entry;
    try {
      await this.redis.transaction([
        ['XADD', this.deadLetterStream, '*', ...fieldArgs(fields), 'squall.source', this.stream, 'squall.id', id, 'squall.retries', String(pending.retries), 'squall.reason', reason],
        ['XACK', this.stream, this.group, id],
      ]);
    } catch (err) {
      pending.dueAt = Date.now() + 1000;
      throw err;
    }
    this.scheduled.delete(pending);
    this.inFlight.delete(id);
    this.counts.deadLettered++;
    this.logger.warn(`entry ${id} of "${this.stream}" moved to "${this.deadLetterStream}" (${reason}); ${this.counts.deadLettered} dead-lettered so far`);
  }

  private async flushAcks(): Promise<void> {
    if (this.ackBuffer.length === 0) return;
    const ids = this.ackBuffer;
    this.ackBuffer = [];
    try {
      await this.redis.command(['XACK', this.stream, this.group, ...ids]);
    } catch (err) {
      // Kept for the next flush: an entry acked in Storm but not in Redis would be delivered again after a restart.
      this.ackBuffer = ids.concat(this.ackBuffer);
      throw err;
    }
  }

  /**
   * A command failed. While Redis is down the connection has logged the outage: nothing to add. A missing group
   * (deleted, or a restarted server without persistence) is created again. Anything else is logged, at most
   * every 5 s per message, and the spout carries on.
   */
  private commandFailed(err: unknown): void {
    if (isNoGroup(err)) {
      this.groupReady = false;
      this.warnThrottled(`consumer group "${this.group}" on "${this.stream}" is gone (${describeError(err)}); creating it again`);
      return;
    }
    if (!this.redis.ready) {
      this.redis.countFailure();
      return;
    }
    this.warnThrottled(`Redis command on "${this.stream}" failed: ${describeError(err)}`);
  }

  private warnThrottled(message: string): void {
    const last = this.lastWarning.get(message) ?? 0;
    if (Date.now() - last < 5000) return;
    this.lastWarning.set(message, Date.now());
    this.logger.warn(message);
  }
}


/** A numeric option, when given, must be a whole number of at least `min`. */
function checkCount(component: string, name: string, value: number | undefined, min: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${component}: RedisStreamSpout option ${name} must be a whole number >= ${min}, got ${String(value)}`);
  }
}
