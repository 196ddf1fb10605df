import { AsyncLocalStorage } from 'node:async_hooks';
import { stringifyMessage } from '../wire/codec.js';
import type { BoltEmitMessage, TupleMessage } from '../wire/messages.js';
import { DEFAULT_STREAM, readBoltInput } from '../wire/messages.js';
import { javaListHash } from '../grouping/fields-hash.js';
import type { ComponentOptions, TaskIds } from './component.js';
import { Component, COMPONENT_DEFAULTS } from './component.js';
import type { Fields } from './tuple.js';
import { isHeartbeat, isTick, Tuple } from './tuple.js';
import { receive, start } from './lifecycle.js';
import { configuredConcurrency } from '../config/keys.js';

export interface BoltOptions extends ComponentOptions {
  /** Ack each tuple when `process` returns (or its promise resolves) without acking or failing it. Default true. */
  autoAck?: boolean;
  /** Anchor emits made while processing a tuple to that tuple, unless `anchors` is given. Default true. */
  autoAnchor?: boolean;
  /** Fail the tuple when `process` throws (or rejects). Default true. */
  autoFail?: boolean;
  /**
   * How many tuples may be in `process` at once when it is async (default 1: strictly in order). Above 1, tuples
   * complete, and are acked, in the order their promises settle.
   */
  concurrency?: number;
}

/** The defaults of a bolt's options. */
export const BOLT_DEFAULTS: Readonly<Required<BoltOptions>> = { ...COMPONENT_DEFAULTS, autoAck: true, autoAnchor: true, autoFail: true, concurrency: 1 };

export interface BoltEmitOptions {
  /** Output stream (default `"default"`). */
  stream?: string;
  /** Tuples (or their ids) to anchor to; overrides auto-anchoring. Pass `[]` for an unanchored emit. */
  anchors?: ReadonlyArray<Tuple<any> | string>;
  /** Emit directly to this task (the stream must be declared direct). */
  directTask?: number;
  /** Ask Storm which tasks received the tuple; the ids come back as a promise. Costs a reply per emit. */
  needTaskIds?: boolean;
}

/**
 * A bolt: `process` each tuple, emit, and let auto-ack/anchor/fail do what Storm needs. Heartbeats are answered
 * for you and never reach `process`; tick tuples go to `processTick` and are acked.
 *
 * @typeParam F the fields of the tuples this bolt receives, for typed `tuple.get(...)`.
 */
export abstract class Bolt<F extends Fields = Fields> extends Component {
  static options?: BoltOptions;
  declare readonly options: Required<BoltOptions>;

  /** Tuples received and not yet acked or failed, by Storm id: acking anything else would kill the worker. */
  private readonly unsettled = new Map<string, Tuple<any>>();
  /** Tuples received and not yet started, from `queueHead` on; slots before it are cleared. */
  private readonly queue: Array<Tuple<any> | undefined> = [];
  private queueHead = 0;
  private inFlight = 0;
  private ready = false;
  /** The tuple being processed (concurrency 1), for auto-anchoring. */
  private current: Tuple<any> | undefined;
  /** With concurrency above 1, each async `process` call carries its own tuple. */
  private currentAsync: AsyncLocalStorage<Tuple<any>> | undefined;

  constructor(options: BoltOptions = {}, defaults: Readonly<Required<BoltOptions>> = BOLT_DEFAULTS) {
    super(options, defaults);
    this.options.concurrency = Math.max(1, Math.floor(this.options.concurrency));
    this.currentAsync = this.options.concurrency > 1 ? new AsyncLocalStorage() : undefined;
  }

  /** Handle one tuple. May be async; heartbeats are still answered while it awaits. */
  abstract process(tuple: Tuple<F>): void | Promise<void>;

  /** Handle a tick tuple (`topology.tick.tuple.freq.secs`). Acked afterwards when autoAck is on. */
  processTick(_tick: Tuple<Fields>): void | Promise<void> {}

  /** Emit a tuple; returns the receiving task ids when `needTaskIds` is set. */
  emit(values: unknown[], options: BoltEmitOptions & { needTaskIds: true }): TaskIds;
  emit(values: unknown[], options?: BoltEmitOptions): void;
  emit(values: unknown[], options: BoltEmitOptions = {}): TaskIds | void {
    if (!Array.isArray(values)) throw new TypeError(`emit takes an array of values, got ${typeof values}`);
    this.warnIfDirect(options.directTask);
    const message: BoltEmitMessage = { command: 'emit', tuple: this.wireValues(values, options.stream ?? DEFAULT_STREAM) };
    if (options.stream !== undefined && options.stream !== DEFAULT_STREAM) message.stream = options.stream;
    this.meter?.emit(options.stream ?? DEFAULT_STREAM);
    const anchors = this.anchorIds(options.anchors);
    if (anchors.length > 0) message.anchors = anchors;
    if (options.directTask !== undefined) message.task = options.directTask;
    if (!options.needTaskIds) {
      message.need_task_ids = false;
      this.connection.sendBoltEmit(message);
      return;
    }
    this.connection.sendBoltEmit(message);
    // Storm sends no task-id list for a direct emit: the target is already known.
    if (options.directTask !== undefined) return Promise.resolve([options.directTask]);
    return this.waitForTaskIds();
  }

  /** Acknowledge a tuple. Each tuple must be acked or failed exactly once. */
  ack(tuple: Tuple<any> | string): void {
    this.settle(tuple, 'ack');
  }

  /** Fail a tuple: its spout's `onFail` is called and it may be replayed. */
  fail(tuple: Tuple<any> | string): void {
    this.settle(tuple, 'fail');
  }

  protected readonly kind = 'bolt';

  protected override get parallelWork(): number {
    return this.options.concurrency;
  }

  /** Whether squall.concurrency may change `concurrency` (not for bolts that rely on strict order). */
  protected readonly concurrencyConfigurable: boolean = true;

  override async [start](...args: Parameters<Component[typeof start]>): Promise<void> {
    // The component's config may set concurrency (squall.concurrency): a redeploy can change it without code,
    // which is how `squall doctor` applies a plan for a bolt that mostly waits.
    const configured = configuredConcurrency(args[1].conf ?? {});
    if (configured !== undefined && this.concurrencyConfigurable) {
      this.options.concurrency = configured;
      this.currentAsync = configured > 1 ? (this.currentAsync ?? new AsyncLocalStorage()) : undefined;
    }
    await super[start](...args);
    this.ready = true;
    this.pump();
  }

  [receive](message: unknown): void {
    const m = this.read<TupleMessage>(readBoltInput, message);
    if (m === undefined) return;
    // Answer heartbeats at once, even while an async `process` awaits: Storm kills a silent subprocess.
    if (isHeartbeat(m.stream, m.task)) return this.connection.send({ command: 'sync' });
    const component = m.comp ?? '';
    const index = isTick(component, m.stream) ? undefined : this.context.fieldIndex(component, m.stream);
    const tuple = new Tuple<any>(String(m.id), component, m.stream, m.task, this.userValues(m.tuple), index);
    if (this.meter && index !== undefined) this.countKey(component, m.stream, m.tuple);
    this.unsettled.set(tuple.id, tuple);
    this.queue.push(tuple);
    if (this.ready) this.pump();
  }

  /** Start tuples while fewer than `concurrency` are in flight. */
  private pump(): void {
    // After a fatal exception nothing more of the user's may run: what is queued will be replayed by Storm.
    if (this.connection.closing) return;
    const limit = this.options.concurrency;
    while (this.inFlight < limit && this.queueHead < this.queue.length && !this.connection.closing) {
      const tuple = this.queue[this.queueHead]!;
      // Drop the queue's reference at once: a started tuple is held only while in flight (by `unsettled` and its
      // handler), or a bolt fed large tuples would keep up to a compaction's worth of settled ones alive.
      this.queue[this.queueHead++] = undefined;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      this.run(tuple);
    }
  }

  private run(tuple: Tuple<any>): void {
    const handler = () => (tuple.isTick ? this.processTick(tuple) : this.process(tuple));
    const since = this.meter ? this.meter.now() : 0;
    let result: void | Promise<void>;
    this.current = tuple;
    try {
      result = this.currentAsync ? this.currentAsync.run(tuple, handler) : handler();
    } catch (err) {
      this.current = undefined;
      this.meter?.handled(since, !tuple.isTick);
      this.failed(tuple, err);
      return;
    }
    if (result && typeof (result as Promise<void>).then === 'function') {
      this.inFlight++;
      const returnedAt = this.meter ? this.meter.now() : 0;
      (result as Promise<void>).then(
        () => this.completeAsync(tuple, since, returnedAt, undefined, false),
        (err: unknown) => this.completeAsync(tuple, since, returnedAt, err, true),
      );
      return;
    }
    this.current = undefined;
    this.meter?.handled(since, !tuple.isTick);
    this.succeeded(tuple);
  }

  private completeAsync(tuple: Tuple<any>, since: number, returnedAt: number, err: unknown, threw: boolean): void {
    this.inFlight--;
    this.meter?.handled(since, !tuple.isTick, returnedAt);
    if (this.current === tuple) this.current = undefined;
    if (threw) this.failed(tuple, err);
    else this.succeeded(tuple);
    this.pump();
  }

  /**
   * Count the grouping key of a tuple that came through a fields grouping, for the hot-key figures. The key is
   * read from the values as they travelled (nested ones are JSON text there), one field as itself, several as a
   * JSON list.
   */
  private countKey(component: string, stream: string, values: unknown[]): void {
    const cacheKey = `${component}\u0000${stream}`;
    let positions = this.keyPositions.get(cacheKey);
    if (positions === undefined) {
      const grouping = this.context.sourceGrouping(component, stream);
      const index = this.context.fieldIndex(component, stream);
      const fields = grouping?.type === 'FIELDS' ? (grouping.fields ?? []) : [];
      positions = index && fields.length > 0 ? fields.map((f) => index.get(f) ?? -1).filter((i) => i >= 0) : null;
      this.keyPositions.set(cacheKey, positions);
    }
    if (!positions || positions.length === 0) return;
    const text = (v: unknown): string => (typeof v === 'string' ? v : stringifyMessage(v));
    const key = positions.map((i) => values[i]);
    this.meter!.key(positions.length === 1 ? text(key[0]) : stringifyMessage(key), javaListHash(key));
  }
  /** Source stream → positions of its fields-grouping fields (null: not fields-grouped). */
  private readonly keyPositions = new Map<string, number[] | null>();

  private succeeded(tuple: Tuple<any>): void {
    // Ticks are acked even without autoAck: Storm keeps unacked ticks in the shell bolt's pending map forever.
    if ((this.options.autoAck || tuple.isTick) && this.unsettled.has(tuple.id)) this.ack(tuple);
  }

  private failed(tuple: Tuple<any>, err: unknown): void {
    if (this.options.autoFail && this.unsettled.has(tuple.id)) this.fail(tuple);
    this.handleException(err, tuple.isTick ? 'processTick' : `process (tuple ${tuple.id} from ${tuple.component})`);
  }

  private settle(tuple: Tuple<any> | string, command: 'ack' | 'fail'): void {
    const id = typeof tuple === 'string' ? tuple : tuple.id;
    if (!this.unsettled.delete(id)) {
      // Storm kills the worker on an ack/fail of an id it does not know (or knows no longer).
      throw new Error(
        `cannot ${command} tuple "${id}": it is not a pending tuple of this bolt (already acked or failed, a ` +
          `heartbeat, or an id Storm never sent). Storm would kill the worker; ${command} each tuple once, using ` +
          'the Tuple object you received.',
      );
    }
    this.connection.send({ command, id });
  }

  /** The anchors of an emit that names none: the tuple being processed, while it is still pending. */
  protected autoAnchors(): string[] {
    const current = this.currentAsync?.getStore() ?? this.current;
    return current && this.unsettled.has(current.id) ? [current.id] : [];
  }

  /** True while `tuple` is neither acked nor failed. */
  protected isPending(tuple: Tuple<any>): boolean {
    return this.unsettled.has(tuple.id);
  }

  private anchorIds(anchors: BoltEmitOptions['anchors']): string[] {
    if (anchors === undefined) return this.options.autoAnchor ? this.autoAnchors() : [];
    return anchors.map((anchor) => {
      const id = typeof anchor === 'string' ? anchor : anchor.id;
      if (!this.unsettled.has(id)) {
        throw new Error(
          `cannot anchor to tuple "${id}": it is already acked or failed, or was never received. Storm would kill ` +
            'the worker; emit before you ack, and anchor only to tuples this bolt still holds.',
        );
      }
      return id;
    });
  }
}
