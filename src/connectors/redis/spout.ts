import { hostname } from 'node:os';
import type { Conf } from '../../component/component.js';
import { describeError } from '../../component/component.js';
import type { TopologyContext } from '../../component/context.js';
import type { SpoutOptions } from '../../component/spout.js';
import type { MessageId } from '../../wire/messages.js';
import { Spout, SPOUT_DEFAULTS } from '../../component/spout.js';
import { acked, activated, deactivated, failed } from '../../component/lifecycle.js';
import type { RawReply, RedisClientSettings, RedisTlsOptions } from './client.js';
import { instanceName, isNoGroup, RedisConnection, RedisNotAnsweringError, redisUrl } from './client.js';
import type { PendingState, StreamEntry } from './entries.js';
import { consumersReply, fieldArgs, groupsReply, isDeleted, pendingReply, readGroupReply } from './entries.js';
import type { SourceReading } from '../../component/meter.js';
import { maxSpoutPending, messageTimeoutSecs, metricsIntervalSecs, subprocessTimeoutSecs } from '../../config/keys.js';
import { replayDelay } from './replay-delay.js';
import type { StartPosition } from './start-position.js';
import { moveOncePerDeployment, positionId, startPositionProblem } from './start-position.js';

export interface RedisStreamSpoutOptions extends SpoutOptions {
  /** Redis URL (`redis://[user:password@]host:port[/db]`). Default: the conf key `squall.redis.url`, else redis://127.0.0.1:6379. */
  url?: string;
  /** The name of an environment variable holding the URL (keeps the password out of the topology config). */
  urlEnv?: string;
  /** TLS client options (`ca`, `cert`, `key`, `servername`), for a `rediss://` URL. */
  tls?: RedisTlsOptions;
  /** More node-redis `createClient` options (`name`, `pingInterval`, `socket.keepAlive`, …); see docs/redis.md. */
  clientOptions?: RedisClientSettings;
  /** The stream to read. Required. */
  stream?: string;
  /** Consumer group (created with MKSTREAM if missing). Default: the topology name. */
  group?: string;
  /**
   * Consumer name. Default `<topology>-<component>-<task id>@<host>:<pid>`: unique per running instance, so two
   * runs of one topology never share a pending list, and a restart can tell its predecessor is gone.
   */
  consumer?: string;
  /**
   * Where the group reads from when a deployment starts (KafkaSpout's FirstPollOffsetStrategy). `'committed'` (the
   * default): where the group is (a new group starts at `startId`). `'earliest'`, `'latest'`, `{ timestamp }` (ms
   * since the epoch): the group is moved there (XGROUP SETID) on a deployment's first start only, never when one of
   * its tasks restarts; entries pending in the group stay pending.
   */
  startPosition?: StartPosition;
  /** With startPosition 'committed': where a new group starts, `0` (the whole stream, the default) or `$` (new entries only). */
  startId?: string;
  /** Most entries read per `nextTuple` (default 100; never more than max.spout.pending leaves room for). */
  batchSize?: number;
  /** How long a read waits for new entries (ms, default 100). 0 reads without waiting. */
  blockMs?: number;
  /**
   * Deliveries of an entry (Redis's own delivery count: the first read, each replay, each take-over after a
   * crash) after which a failed entry goes to the dead-letter stream instead of being replayed. Default 6 (the
   * first delivery and 5 replays); Infinity: never. The count lives in Redis, so it survives restarts.
   */
  maxDeliveries?: number;
  /** Where entries go after `maxDeliveries` (default `<stream>:dead`), with their source id, count and reason. */
  deadLetterStream?: string;
  /** First replay delay after a fail (ms, default 100), doubling per replay up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  /** Longest replay delay (ms, default 10000). */
  maxRetryDelayMs?: number;
  /**
   * Fraction of each replay delay (0 to 1) that is random, so entries that failed together are not replayed
   * together. Default 0.5: each delay lies between half the nominal delay and the nominal delay.
   */
  retryJitter?: number;
  /**
   * A consumer of the group idle this long (ms) is gone: its entries pending this long are taken over, and once it
   * has none it is removed. Default: twice `topology.message.timeout.secs`, because a live spout's entry is never
   * idle that long (Storm fails a tree between one and two timeouts, and the replay's XCLAIM resets its idle
   * time). A consumer of a process on this host that no longer exists is gone at once.
   */
  claimIdleMs?: number;
  /**
   * Longest wait for a Redis reply (ms). Default: 5 s, or a third of `topology.subprocess.timeout.secs` if
   * smaller, so a hung Redis never makes Storm kill the spout for a missed heartbeat.
   */
  commandTimeoutMs?: number;
  /**
   * Turn an entry into tuple values. Default: the values of the declared output fields, by name (null if absent).
   * Return `{ values, stream }` to emit on another declared stream, or `null` to skip the entry (it is acked at
   * once). (Or override the `toTuple` method, which can read `this.conf`.)
   */
  toTuple?: (entry: StreamEntry) => EntryTuple;
}

/** The defaults of a Redis stream spout's options (those without one are derived at `initialize` or required). */
export const REDIS_STREAM_SPOUT_DEFAULTS = {
  ...SPOUT_DEFAULTS,
  startPosition: 'committed',
  startId: '0',
  batchSize: 100,
  blockMs: 100,
  maxDeliveries: 6,
  retryDelayMs: 100,
  maxRetryDelayMs: 10_000,
  retryJitter: 0.5,
} as const satisfies RedisStreamSpoutOptions;

/** The options after the one resolution: those with a default are always set. */
type ResolvedOptions = RedisStreamSpoutOptions & Required<Pick<RedisStreamSpoutOptions, keyof typeof REDIS_STREAM_SPOUT_DEFAULTS>>;

/** What `toTuple` makes of an entry: values (default stream), values on a stream, or null to skip it. */
export type EntryTuple = unknown[] | { values: unknown[]; stream?: string } | null;

/** What this spout did since it started; logged on deactivation. */
export interface RedisStreamSpoutCounts {
  /** New entries read (`>`). */
  read: number;
  /** Entries delivered again from this consumer's own pending list (after an outage or a command timeout). */
  recovered: number;
  /** Entries taken over from consumers that are gone (crashed or stopped runs). */
  claimed: number;
  /** Entries `toTuple` skipped (acked without a tuple). */
  skipped: number;
  acked: number;
  failed: number;
  replayed: number;
  deadLettered: number;
}

interface Pending {
  entry: StreamEntry;
  values: unknown[];
  /** The output stream (undefined: the default stream). */
  stream: string | undefined;
  /** Redis's delivery count as last known here (1 for a new read; a take-over adds one). */
  deliveries: number;
  /** Fails of any kind, for the replay back-off. */
  attempts: number;
  /** Whether the last fail counts toward `maxDeliveries` (not one during or just after a Redis outage). */
  counts: boolean;
  /** When it is due for replay (or for the dead-letter stream), while scheduled. */
  dueAt: number;
  /** Set when it must go to the dead-letter stream without replays (toTuple threw). */
  deadLetter: string | undefined;
}

/** How often (at most) the group's lag and pending list are sampled for the measurements (one cheap XINFO GROUPS). */
const GAUGE_REFRESH_MS = 2000;

/** XACK once this many acks are waiting, even before the next `nextTuple`. */
const ACK_BATCH = 1000;

/**
 * Reads a Redis stream through a consumer group, at least once: each entry is emitted with its stream id as
 * message id; an ack → XACK; a fail → replay with back-off, and after `maxDeliveries` to a dead-letter stream. A
 * restarted task takes over the pending entries of its predecessor at once; those of consumers not heard from in
 * `claimIdleMs` are taken over then. Never more entries are in flight than `topology.max.spout.pending`.
 * `onAck`, `onFail` and `onDeactivate` are yours: they are told after the spout has done its own work.
 *
 *   class Orders extends RedisStreamSpout {
 *     static override options: RedisStreamSpoutOptions = { stream: 'orders' };
 *   }
 */
export class RedisStreamSpout extends Spout {
  static override options?: RedisStreamSpoutOptions;
  declare readonly options: ResolvedOptions;
  readonly counts: RedisStreamSpoutCounts = { read: 0, recovered: 0, claimed: 0, skipped: 0, acked: 0, failed: 0, replayed: 0, deadLettered: 0 };
  protected redis!: RedisConnection;
  private stream = '';
  private group = '';
  private consumer = '';
  private deadLetterStream = '';
  /** This deployment's id (`storm.id`), for a `startPosition` that applies once per deployment. */
  private deployment = '';
  private maxPending = Infinity;
  private claimIdleMs = 60_000;
  private sweepIntervalMs = 30_000;
  private outageGraceMs = 60_000;
  private groupReady = false;
  private active = true;
  private readonly inFlight = new Map<string, Pending>();
  private readonly scheduled = new Set<Pending>();
  private ackBuffer: string[] = [];
  /** While set, this consumer's own pending list is delivered again after this id (after an outage). */
  private recoverAfter: string | undefined;
  private recoverReason = '';
  private recoveredThisRound = 0;
  private nextSweepAt = 0;
  private readonly lastWarning = new Map<string, number>();
  /**
   * The group's backlog for the measurements (`lag`, `pending` from XINFO GROUPS), refreshed every GAUGE_REFRESH_MS
   * from `nextTuple` while measurements are on; `refused`: the user may not run XINFO GROUPS (the gauges stay null).
   */
  private readonly gauges = { lag: null as number | null, pending: null as number | null, sampledAt: null as number | null, nextAt: 0, refused: false };

  constructor(options: RedisStreamSpoutOptions = {}) {
    super(options, REDIS_STREAM_SPOUT_DEFAULTS);
  }

  override async initialize(conf: Conf, context: TopologyContext): Promise<void> {
    const o = this.options;
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
    if (o.maxDeliveries !== Infinity) checkCount(context.componentId, 'maxDeliveries', o.maxDeliveries, 1);
    checkCount(context.componentId, 'retryDelayMs', o.retryDelayMs, 0);
    checkCount(context.componentId, 'maxRetryDelayMs', o.maxRetryDelayMs, 0);
    checkCount(context.componentId, 'claimIdleMs', o.claimIdleMs, 1);
    checkCount(context.componentId, 'commandTimeoutMs', o.commandTimeoutMs, 1);
    if (!(typeof o.retryJitter === 'number' && o.retryJitter >= 0 && o.retryJitter <= 1)) {
      throw new Error(`${context.componentId}: RedisStreamSpout option retryJitter must be a number from 0 to 1, got ${String(o.retryJitter)}`);
    }
    this.checkStartPosition(conf, context.componentId);
    const topology = String(conf['topology.name'] ?? 'squall');
    this.stream = o.stream;
    this.group = o.group ?? topology;
    this.consumer = o.consumer ?? `${topology}-${context.componentId}-${context.taskId}@${instanceName()}`;
    this.deadLetterStream = o.deadLetterStream ?? `${o.stream}:dead`;
    this.maxPending = maxSpoutPending(conf) ?? Infinity;
    const timeoutMs = 1000 * messageTimeoutSecs(conf);
    this.claimIdleMs = o.claimIdleMs ?? 2 * timeoutMs;
    this.sweepIntervalMs = Math.max(1000, Math.min(this.claimIdleMs, timeoutMs));
    this.outageGraceMs = 2 * timeoutMs;
    this.redis = new RedisConnection(redisUrl(o, conf), this.logger, `${context.componentId}[${context.taskId}]`, {
      // After an outage, deliver this consumer's pending list again: a read whose reply was lost left entries there.
      onReconnect: () => this.recoverOwn('pending since before the Redis outage'),
      commandTimeoutMs: o.commandTimeoutMs ?? commandTimeoutFor(conf, o.blockMs),
      tls: o.tls,
      clientOptions: o.clientOptions,
    });
    await this.redis.started();
    if (this.redis.ready) await this.ensureGroup().catch((err: unknown) => this.commandFailed(err));
  }

  /** Read and emit: due replays first, then entries of consumers that are gone or of an outage, then new entries. */
  override async nextTuple(): Promise<void> {
    if (this.redis.fatalError) throw this.redis.fatalError;
    if (!this.redis.ready || this.redis.stalled) return;
    try {
      if (!this.groupReady) await this.ensureGroup();
      await this.flushAcks();
      if (this.meter && !this.gauges.refused && Date.now() >= this.gauges.nextAt) await this.sampleBacklog();
      if ((await this.runDue()) > 0) return;
      const room = Math.min(this.options.batchSize, this.maxPending - this.inFlight.size);
      if (room <= 0) return;
      if (this.recoverAfter !== undefined) return await this.recover(room);
      if (Date.now() >= this.nextSweepAt && (await this.sweepConsumers(room)) > 0) return;
      await this.readNew(room);
    } catch (err) {
      this.commandFailed(err);
      if (this.redis.fatalError) throw this.redis.fatalError;
    }
  }

  override async [acked](id: MessageId): Promise<void> {
    const key = String(id);
    const pending = this.inFlight.get(key);
    if (!pending) return;
    this.inFlight.delete(key);
    this.counts.acked++;
    this.ackBuffer.push(key);
    // Deactivated, no `nextTuple` will flush: each ack is XACKed as it comes, so a clean stop leaves none pending.
    if (!this.active || this.ackBuffer.length >= ACK_BATCH) await this.flushAcks().catch((err: unknown) => this.commandFailed(err));
    await this.onAck(id, pending.values);
  }

  override [failed](id: MessageId): void | Promise<void> {
    const pending = this.inFlight.get(String(id));
    if (!pending || this.scheduled.has(pending)) return;
    this.counts.failed++;
    pending.attempts++;
    // A fail during (or just after) an outage is Redis's fault, not the entry's: it does not count toward the limit.
    pending.counts = !this.redis.downWithin(this.outageGraceMs);
    // Delivered as often as allowed (this run or, after restarts, earlier ones): to the dead-letter stream at once.
    const last = pending.counts && pending.deliveries >= this.options.maxDeliveries;
    pending.dueAt = last ? 0 : Date.now() + replayDelay(pending.attempts, this.options);
    this.scheduled.add(pending);
    return this.onFail(id, pending.values);
  }

  override [activated](): void | Promise<void> {
    this.active = true;
    return this.onActivate();
  }

  override async [deactivated](): Promise<void> {
    this.active = false;
    await this.flushAcks().catch((err: unknown) => this.commandFailed(err));
    const c = this.counts;
    this.logger.info(
      `${this.stream}: read ${c.read}, recovered ${c.recovered}, claimed ${c.claimed}${c.skipped > 0 ? `, skipped ${c.skipped}` : ''}, acked ${c.acked}, failed ${c.failed}, ` +
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

  /** This spout's consumer name in the group. */
  get consumerName(): string {
    return this.consumer;
  }

  /** What `startPosition` needs: a value it takes, no `startId` beside a moving one, and a deployment id. */
  private checkStartPosition(conf: Conf, component: string): void {
    const { startPosition, startId } = this.options;
    const problem = startPositionProblem(startPosition);
    if (problem) throw new Error(`${component}: RedisStreamSpout option startPosition ${problem}`);
    if (startPosition === 'committed') return;
    if (startId !== REDIS_STREAM_SPOUT_DEFAULTS.startId) {
      throw new Error(`${component}: RedisStreamSpout options startId and startPosition ${JSON.stringify(startPosition)} both say where to start: drop startId (it applies with startPosition 'committed' only)`);
    }
    this.deployment = typeof conf['storm.id'] === 'string' ? conf['storm.id'] : '';
    if (this.deployment === '') {
      throw new Error(`${component}: RedisStreamSpout startPosition ${JSON.stringify(startPosition)} applies once per deployment, and the conf has no storm.id to tell deployments apart (Storm and squall run set it): put the deployment's id in the conf as storm.id, or use startPosition 'committed'`);
    }
  }

  /** The source block of the measurements: the group's backlog as last sampled, and this spout's totals. */
  protected override sourceReading(): SourceReading {
    const { lag, pending, sampledAt } = this.gauges;
    const c = this.counts;
    return { kind: 'redis-stream', name: this.stream, group: this.group, lag, pending, sampledAt, totals: { read: c.read, replayed: c.replayed, deadLettered: c.deadLettered, claimed: c.claimed } };
  }

  /** XINFO GROUPS: the group's lag and pending list. A refusal (NOPERM) only turns the gauges off, once, saying so. */
  private async sampleBacklog(): Promise<void> {
    // At least twice per measurement interval, so that every line carries a sample of its own.
    this.gauges.nextAt = Date.now() + Math.min(GAUGE_REFRESH_MS, 500 * metricsIntervalSecs(this.conf));
    try {
      const group = groupsReply(await this.redis.command(['XINFO', 'GROUPS', this.stream], { optional: true })).find((g) => g.name === this.group);
      // No group (deleted; created again by the next read): its backlog is unknown now, not what it was.
      Object.assign(this.gauges, { lag: group?.lag ?? null, pending: group?.pending ?? null, sampledAt: Date.now() });
    } catch (err) {
      if (!/NOPERM/.test(describeError(err))) throw err;
      this.gauges.refused = true;
      this.logger.warn(`no lag or pending figures for "${this.stream}": the Redis user may not run XINFO GROUPS (grant +xinfo|groups to measure them)`);
    }
  }

  private async ensureGroup(): Promise<void> {
    const { startPosition } = this.options;
    const createAt = startPosition === 'committed' ? this.options.startId : positionId(startPosition);
    try {
      await this.redis.command(['XGROUP', 'CREATE', this.stream, this.group, createAt, 'MKSTREAM']);
      this.logger.info(`created consumer group "${this.group}" on "${this.stream}" at ${createAt}`);
    } catch (err) {
      if (!/BUSYGROUP/.test(describeError(err))) throw err;
    }
    if (startPosition !== 'committed') {
      await moveOncePerDeployment(this.redis, this.logger, { stream: this.stream, group: this.group, deployment: this.deployment, position: startPosition });
    }
    this.groupReady = true;
    this.logger.info(`reading stream "${this.stream}" as ${this.group}/${this.consumer}`);
  }

  private recoverOwn(reason: string): void {
    this.recoverAfter = '-';
    this.recoverReason = reason;
  }

  /** This consumer's own pending entries that are not in flight here (their read's reply was lost), again. */
  private async recover(room: number): Promise<void> {
    const start = this.recoverAfter === '-' ? '-' : `(${this.recoverAfter!}`;
    const page = pendingReply(await this.redis.command(['XPENDING', this.stream, this.group, start, '+', String(room), this.consumer]));
    if (page.length === 0) {
      if (this.recoveredThisRound > 0) this.logger.info(`re-delivered ${this.recoveredThisRound} entries ${this.recoverReason}`);
      this.recoveredThisRound = 0;
      this.recoverAfter = undefined;
      return;
    }
    this.recoverAfter = page[page.length - 1]!.id;
    const emitted = await this.claimAndEmit(page.filter((p) => !this.inFlight.has(p.id)), 0);
    this.counts.recovered += emitted;
    this.recoveredThisRound += emitted;
  }

  /**
   * The group's other consumers: one whose process on this host is gone, or not heard from in `claimIdleMs`, is
   * gone. Its pending entries are taken over (XCLAIM with a minimum idle time, so two spouts never both take
   * one), and once it has none it is removed. A live consumer's entries are never taken.
   */
  private async sweepConsumers(room: number): Promise<number> {
    const consumers = consumersReply(await this.redis.command(['XINFO', 'CONSUMERS', this.stream, this.group]));
    let emitted = 0;
    let again = false;
    for (const c of consumers) {
      if (c.name === this.consumer) continue;
      const processGone = processGoneHere(c.name);
      if (!processGone && c.idleMs < this.claimIdleMs) continue;
      const why = processGone ? 'its process is gone' : `not heard from in ${Math.round(c.idleMs / 1000)}s`;
      if (c.pending === 0) {
        await this.removeConsumer(c.name, why);
        continue;
      }
      if (emitted >= room) {
        again = true;
        continue;
      }
      // Entries idle a second or more: a concurrent restart that took them a moment ago reset that to 0.
      const minIdle = processGone ? 1000 : this.claimIdleMs;
      const page = pendingReply(await this.redis.command(['XPENDING', this.stream, this.group, 'IDLE', String(minIdle), '-', '+', String(room - emitted), c.name]));
      const took = await this.claimAndEmit(page, minIdle);
      if (took > 0) this.logger.info(`took over ${took} entries pending with consumer "${c.name}" (${why})`);
      this.counts.claimed += took;
      emitted += took;
      // More left, or entries younger than the minimum idle time: look again soon; else it is gone for good.
      if (c.pending > page.length) again = true;
      else await this.removeConsumer(c.name, why);
    }
    this.nextSweepAt = Date.now() + (again ? 1000 : this.sweepIntervalMs);
    return emitted;
  }

  /** XGROUP DELCONSUMER, for a consumer that is gone and has nothing pending (it would drop what it had). */
  private async removeConsumer(name: string, why: string): Promise<void> {
    const dropped = Number(await this.redis.command(['XGROUP', 'DELCONSUMER', this.stream, this.group, name]));
    this.logger.info(`removed consumer "${name}" of group "${this.group}" (${why}; ${dropped > 0 ? `${dropped} pending dropped` : 'nothing pending'})`);
  }

  /** XCLAIM entries for this consumer (which counts a delivery in Redis) and emit those it got. */
  private async claimAndEmit(states: PendingState[], minIdle: number): Promise<number> {
    if (states.length === 0) return 0;
    const deliveries = new Map(states.map((p) => [p.id, p.deliveries + 1]));
    const reply = await this.redis.command(['XCLAIM', this.stream, this.group, this.consumer, String(minIdle), ...deliveries.keys()]);
    let emitted = 0;
    for (const entry of readEntries(reply)) {
      if (isDeleted(entry)) {
        // Its data is gone (XDEL, MAXLEN): nothing to deliver, only to acknowledge.
        this.ackBuffer.push(entry.id);
        continue;
      }
      if (this.inFlight.has(entry.id)) continue;
      this.emitEntry(entry, deliveries.get(entry.id) ?? 1);
      emitted++;
    }
    return emitted;
  }

  private async readNew(room: number): Promise<void> {
    const args = ['XREADGROUP', 'GROUP', this.group, this.consumer, 'COUNT', String(room)];
    // BLOCK 0 would wait forever, past Storm's subprocess timeout: 0 means no BLOCK at all.
    if (this.options.blockMs > 0) args.push('BLOCK', String(this.options.blockMs));
    args.push('STREAMS', this.stream, '>');
    for (const entry of readGroupReply(await this.redis.command(args))) {
      if (isDeleted(entry)) continue;
      this.counts.read++;
      this.emitEntry(entry, 1);
    }
  }

  private emitEntry(entry: StreamEntry, deliveries: number): void {
    let mapped: EntryTuple;
    try {
      mapped = this.toTuple(entry);
    } catch (err) {
      // A mapping that throws would throw again on every redelivery: park the entry instead of crash-looping.
      const pending: Pending = { entry, values: [], stream: undefined, deliveries, attempts: 0, counts: true, dueAt: 0, deadLetter: `toTuple threw ${describeError(err)}` };
      this.inFlight.set(entry.id, pending);
      this.scheduled.add(pending);
      return;
    }
    if (mapped === null) {
      this.counts.skipped++;
      this.ackBuffer.push(entry.id);
      return;
    }
    const { values, stream } = Array.isArray(mapped) ? { values: mapped, stream: undefined } : mapped;
    this.inFlight.set(entry.id, { entry, values, stream, deliveries, attempts: 0, counts: true, dueAt: 0, deadLetter: undefined });
    this.emit(values, { id: entry.id, stream });
  }

  /** The tuple values for an entry: the `toTuple` option, else the declared output fields looked up by name. */
  protected toTuple(entry: StreamEntry): EntryTuple {
    if (this.options.toTuple) return this.options.toTuple(entry);
    const fields = this.context.outputFields() ?? [];
    return fields.map((field) => entry.fields[field] ?? null);
  }

  /**
   * Replays and dead-letters that are due; returns how many tuples were emitted. Redis says, per entry, whether it
   * is still this consumer's (another spout that took it over after a timeout now owns it) and how often it was
   * delivered; a replay that counts sets that count one higher (XCLAIM JUSTID alone would not).
   */
  private async runDue(): Promise<number> {
    if (this.scheduled.size === 0) return 0;
    const now = Date.now();
    const due = [...this.scheduled].filter((p) => p.dueAt <= now);
    if (due.length === 0) return 0;
    const states = await Promise.all(
      due.map(async (p) => pendingReply(await this.redis.command(['XPENDING', this.stream, this.group, p.entry.id, p.entry.id, '1']))[0]),
    );
    let emitted = 0;
    await Promise.all(
      due.map(async (pending, i) => {
        const state = states[i];
        if (!state || state.consumer !== this.consumer) {
          // Acked by the spout that took it over, or now that spout's to deliver.
          this.scheduled.delete(pending);
          this.inFlight.delete(pending.entry.id);
          return;
        }
        if (pending.deadLetter !== undefined) return this.sendToDeadLetter(pending, state.deliveries, pending.deadLetter);
        if (pending.counts && state.deliveries >= this.options.maxDeliveries) {
          return this.sendToDeadLetter(pending, state.deliveries, `failed after ${state.deliveries} deliveries (maxDeliveries ${this.options.maxDeliveries})`);
        }
        const retry = pending.counts ? ['RETRYCOUNT', String(state.deliveries + 1)] : [];
        const reply = await this.redis.command(['XCLAIM', this.stream, this.group, this.consumer, '0', pending.entry.id, ...retry, 'JUSTID']);
        this.scheduled.delete(pending);
        if (!Array.isArray(reply) || reply.length === 0) {
          this.inFlight.delete(pending.entry.id);
          return;
        }
        if (pending.counts) pending.deliveries = state.deliveries + 1;
        this.counts.replayed++;
        emitted++;
        this.emit(pending.values, { id: pending.entry.id, stream: pending.stream });
      }),
    );
    return emitted;
  }

  /**
   * XADD the entry to the dead-letter stream, and only once Redis has confirmed that, XACK it. A crash between the
   * two leaves it pending, to be dead-lettered again (a second copy, never a loss); a refused XADD leaves it
   * pending and is an error.
   */
  private async sendToDeadLetter(pending: Pending, deliveries: number, reason: string): Promise<void> {
    const { id, fields } = pending.entry;
    const about = [
      'squall.source', this.stream, 'squall.id', id, 'squall.group', this.group, 'squall.consumer', this.consumer,
      'squall.deliveries', String(deliveries), 'squall.reason', reason, 'squall.time', new Date().toISOString(),
    ];
    try {
      await this.redis.command(['XADD', this.deadLetterStream, '*', ...fieldArgs(fields), ...about]);
    } catch (err) {
      pending.dueAt = Date.now() + 1000;
      this.logger.error(`entry ${id} of "${this.stream}" could not be moved to "${this.deadLetterStream}" and stays pending: ${describeError(err)}`);
      throw err;
    }
    await this.redis.command(['XACK', this.stream, this.group, id]);
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
   * A command failed. While Redis is down or not answering the connection has logged it: nothing to add (a
   * read that timed out may have delivered entries: they are delivered again once Redis answers). A missing
   * group (deleted, or a restarted server without persistence) is created again. An error no retry cures is the
   * connection's fatal error, thrown by the caller. Anything else is logged, at most every 5 s per message.
   */
  private commandFailed(err: unknown): void {
    if (this.redis.fatalError) return;
    if (err instanceof RedisNotAnsweringError) {
      this.recoverOwn('pending since Redis stopped answering');
      this.redis.countFailure();
      return;
    }
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

/** XCLAIM's reply: entries (nil fields when the entry's data is gone). */
function readEntries(reply: RawReply): ReturnType<typeof readGroupReply> {
  return readGroupReply([['', Array.isArray(reply) ? reply.filter((e) => e !== null) : []]]);
}

/**
 * Whether a consumer named `…@<host>:<pid>` belonged to a process on this host that no longer exists (a crashed
 * or stopped run). Other hosts' consumers, and names without that suffix, are judged by their idle time alone.
 */
function processGoneHere(consumer: string): boolean {
  const at = consumer.lastIndexOf('@');
  const colon = consumer.lastIndexOf(':');
  if (at < 0 || colon < at) return false;
  const host = consumer.slice(at + 1, colon);
  const pid = Number(consumer.slice(colon + 1));
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // EPERM: it exists, as another user's process.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * The command timeout: 5 s, or a third of Storm's subprocess heartbeat timeout if smaller (and always above the
 * read's own BLOCK time).
 */
function commandTimeoutFor(conf: Conf, blockMs: number): number {
  const subprocess = subprocessTimeoutSecs(conf);
  const third = Number.isFinite(subprocess) && subprocess > 0 ? (subprocess * 1000) / 3 : 10_000;
  return Math.max(Math.round(Math.min(5000, third)), blockMs + 500);
}

/** A numeric option, when given, must be a whole number of at least `min`. */
function checkCount(component: string, name: string, value: number | undefined, min: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${component}: RedisStreamSpout option ${name} must be a whole number >= ${min}, got ${String(value)}`);
  }
}
