import { ProtocolError } from '../wire/codec.js';
import type { MessageId, SpoutCommand, SpoutCommandMessage, SpoutEmitMessage } from '../wire/messages.js';
import { DEFAULT_STREAM, readSpoutInput } from '../wire/messages.js';
import type { ComponentOptions, TaskIds } from './component.js';
import { Component, COMPONENT_DEFAULTS } from './component.js';
import type { SourceReading } from './meter.js';
import { acked, activated, deactivated, failed, receive, start } from './lifecycle.js';

export interface SpoutOptions extends ComponentOptions {
  /**
   * Longest pause (ms) after a `nextTuple` that emitted nothing, before answering Storm. The pause starts at 1 ms
   * and doubles while the spout stays idle, so an empty source does not spin a core; any emit resets it.
   * Default 32. Keep it well under `topology.subprocess.timeout.secs`.
   */
  maxIdleSleepMs?: number;
}

/** The defaults of a spout's options. */
export const SPOUT_DEFAULTS: Readonly<Required<SpoutOptions>> = { ...COMPONENT_DEFAULTS, maxIdleSleepMs: 32 };

export interface SpoutEmitOptions {
  /** Message id for reliable emission: the tuple tree is tracked and `onAck(id)` or `onFail(id)` follows. */
  id?: MessageId;
  /** Output stream (default `"default"`). */
  stream?: string;
  /** Emit directly to this task (the stream must be declared direct). */
  directTask?: number;
  /** Ask Storm which tasks received the tuple; the ids come back as a promise. */
  needTaskIds?: boolean;
}

/**
 * A spout: Storm asks for `nextTuple` and tells of acks, fails, activation and deactivation (`onAck`, `onFail`,
 * `onActivate`, `onDeactivate`), one command at a time; the SDK answers every command with `sync` once your
 * handler (sync or async) has finished.
 */
export abstract class Spout extends Component {
  static options?: SpoutOptions;
  declare readonly options: Required<SpoutOptions>;
  private idleSleepMs = 0;
  private emitsThisCommand = 0;
  /** Commands waiting their turn, with when each arrived (the meter's clock; 0 unmeasured). */
  private readonly commands: Array<SpoutCommandMessage & { arrivedAt: number }> = [];
  private busy = false;
  private ready = false;

  constructor(options: SpoutOptions = {}, defaults: Readonly<Required<SpoutOptions>> = SPOUT_DEFAULTS) {
    super(options, defaults);
    this.options.maxIdleSleepMs = Math.max(0, this.options.maxIdleSleepMs);
  }

  /** Emit the next tuple(s), if any. May be async. Called only while the spout is active. */
  abstract nextTuple(): void | Promise<void>;

  /**
   * The tuple tree of message `id` completed. `values` is what was emitted with that id, from the spouts that keep
   * it until then (ReliableSpout, RedisStreamSpout, whose overrides take it as `values: unknown[]`); a plain Spout
   * keeps nothing it emitted, passes none, and its override takes `id` alone. One optional parameter rather than a
   * second callback, so that every spout hears of an ack under the same name.
   */
  onAck(_id: MessageId, _values?: unknown[]): void | Promise<void> {}

  /**
   * The tuple tree of message `id` failed or timed out (`topology.message.timeout.secs`). `values` as for `onAck`.
   * Replaying is yours to do, unless the spout replays by itself (ReliableSpout, RedisStreamSpout).
   */
  onFail(_id: MessageId, _values?: unknown[]): void | Promise<void> {}

  /** The topology was activated (before the first `nextTuple`). */
  onActivate(): void | Promise<void> {}

  /** The topology was deactivated: `nextTuple` will not be called until `onActivate`. */
  onDeactivate(): void | Promise<void> {}

  /**
   * What this spout knows of the source it reads (a stream's consumer group, a topic), for the measurements `squall
   * doctor` and the dashboard read: asked at every flush of the meter, synchronously, so return what you already
   * have and refresh the gauges on your own schedule (e.g. every few seconds from `nextTuple`). undefined: no source
   * block (the default).
   */
  protected sourceReading(): SourceReading | undefined {
    return undefined;
  }

  /** Emit a tuple. With `id` it is reliable; returns the receiving task ids when `needTaskIds` is set. */
  emit(values: unknown[], options: SpoutEmitOptions & { needTaskIds: true }): TaskIds;
  emit(values: unknown[], options?: SpoutEmitOptions): void;
  emit(values: unknown[], options: SpoutEmitOptions = {}): TaskIds | void {
    if (!Array.isArray(values)) throw new TypeError(`emit takes an array of values, got ${typeof values}`);
    this.warnIfDirect(options.directTask);
    const message: SpoutEmitMessage = { command: 'emit', tuple: this.wireValues(values, options.stream ?? DEFAULT_STREAM) };
    if (options.id !== undefined) {
      if (typeof options.id !== 'string' && typeof options.id !== 'number' && typeof options.id !== 'bigint') {
        throw new TypeError(`a message id must be a string or a number, got ${typeof options.id}`);
      }
      message.id = options.id;
    }
    if (options.stream !== undefined && options.stream !== DEFAULT_STREAM) message.stream = options.stream;
    if (options.directTask !== undefined) message.task = options.directTask;
    if (this.meter) {
      this.meter.emit(options.stream ?? DEFAULT_STREAM);
      if (options.id !== undefined) this.meter.root();
    }
    if (!options.needTaskIds) message.need_task_ids = false;
    this.emitsThisCommand++;
    this.connection.send(message);
    if (!options.needTaskIds) return;
    if (options.directTask !== undefined) return Promise.resolve([options.directTask]);
    return this.waitForTaskIds();
  }

  protected readonly kind = 'spout';

  override async [start](...args: Parameters<Component[typeof start]>): Promise<void> {
    await super[start](...args);
    this.meter?.readSource(() => this.sourceReading());
    this.ready = true;
    void this.drain();
  }

  /** What Storm tells the spout, passed on to the `on<Event>` callbacks; SDK spouts intercept here (./lifecycle.ts). */
  [acked](id: MessageId): void | Promise<void> {
    return this.onAck(id);
  }

  [failed](id: MessageId): void | Promise<void> {
    return this.onFail(id);
  }

  [activated](): void | Promise<void> {
    return this.onActivate();
  }

  [deactivated](): void | Promise<void> {
    return this.onDeactivate();
  }

  [receive](message: unknown): void {
    const m = this.read<SpoutCommandMessage>(readSpoutInput, message);
    if (m === undefined) return;
    // The decoded message is this spout's own: its arrival time (one clock read) rides on it, not on a copy.
    const command = m as SpoutCommandMessage & { arrivedAt: number };
    command.arrivedAt = this.meter ? this.meter.commandArrived() : 0;
    this.commands.push(command);
    if (this.ready && !this.busy) void this.drain();
  }

  /** Run commands one at a time: Storm waits for each `sync` before sending the next command. */
  private async drain(): Promise<void> {
    this.busy = true;
    while (this.commands.length > 0 && !this.connection.closing) {
      const command = this.commands.shift()!;
      this.emitsThisCommand = 0;
      try {
        const since = this.meter ? this.meter.now() : 0;
        const result = this.dispatch(command);
        if (result) await result;
        this.meter?.busy(since);
      } catch (err) {
        if (err instanceof ProtocolError) {
          await this.connection.protocolError(err);
          return;
        }
        this.handleException(err, HANDLER_NAMES[command.command]);
        if (this.options.exitOnException) return;
      }
      if (command.command === 'next') this.meter?.next(this.emitsThisCommand > 0);
      const doneAt = this.meter ? this.meter.now() : 0;
      if (command.command === 'next' && this.emitsThisCommand === 0) await this.idleBackoff();
      else this.idleSleepMs = 0;
      this.meter?.synced(command.arrivedAt, doneAt);
      this.connection.send({ command: 'sync' });
      this.connection.endBatch();
    }
    this.busy = false;
  }

  private dispatch(command: SpoutCommandMessage): void | Promise<void> {
    switch (command.command) {
      case 'next':
        return this.nextTuple();
      case 'ack':
        return this[acked](command.id);
      case 'fail':
        return this[failed](command.id);
      case 'activate':
        return this[activated]();
      case 'deactivate':
        return this[deactivated]();
    }
  }

  private idleBackoff(): Promise<void> | void {
    if (this.options.maxIdleSleepMs === 0) return;
    this.idleSleepMs = this.idleSleepMs === 0 ? 1 : Math.min(this.idleSleepMs * 2, this.options.maxIdleSleepMs);
    return new Promise((resolve) => setTimeout(resolve, this.idleSleepMs));
  }
}

/** The handler each command runs, as an exception names it (`onAck threw: …`). */
const HANDLER_NAMES: Record<SpoutCommand, string> = {
  next: 'nextTuple',
  ack: 'onAck',
  fail: 'onFail',
  activate: 'onActivate',
  deactivate: 'onDeactivate',
};
