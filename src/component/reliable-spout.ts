import { stringifyMessage } from '../wire/codec.js';
import type { SpoutOptions } from './spout.js';
import type { MessageId } from '../wire/messages.js';
import { Spout, SPOUT_DEFAULTS } from './spout.js';
import { acked, failed } from './lifecycle.js';

export interface ReliableSpoutOptions extends SpoutOptions {
  /** How many times a failed message is replayed before `onGiveUp` (default 3). */
  maxRetries?: number;
}

/** The defaults of a reliable spout's options. */
export const RELIABLE_SPOUT_DEFAULTS: Readonly<Required<ReliableSpoutOptions>> = { ...SPOUT_DEFAULTS, maxRetries: 3 };

interface InFlight {
  values: unknown[];
  stream: string | undefined;
  retries: number;
}

/**
 * At-least-once emission: `emitReliable` remembers each message until its tuple tree is acked, and replays a
 * failed (or timed-out) message up to `maxRetries` times before handing it to `onGiveUp`. `onAck` and `onFail` are
 * told of each ack and fail with the message's values; the replay happens whatever they do (no `super` call
 * needed). Acks and fails of ids not emitted through `emitReliable` are ignored.
 */
export abstract class ReliableSpout extends Spout {
  static override options?: ReliableSpoutOptions;
  declare readonly options: Required<ReliableSpoutOptions>;
  private readonly inFlight = new Map<MessageId, InFlight>();
  private nextId = 0;

  constructor(options: ReliableSpoutOptions = {}, defaults: Readonly<Required<ReliableSpoutOptions>> = RELIABLE_SPOUT_DEFAULTS) {
    super(options, defaults);
    this.options.maxRetries = Math.max(0, this.options.maxRetries);
  }

  /** Emit reliably; returns the message id (given, or generated). */
  emitReliable(values: unknown[], options: { id?: MessageId; stream?: string } = {}): MessageId {
    const id = options.id ?? `${this.context.taskId}-${this.nextId++}`;
    if (this.inFlight.has(id)) throw new Error(`message id "${id}" is already in flight; message ids must be unique`);
    this.inFlight.set(id, { values, stream: options.stream, retries: 0 });
    this.emit(values, { id, stream: options.stream });
    return id;
  }

  /** Messages emitted and not yet acked or given up. */
  get pendingCount(): number {
    return this.inFlight.size;
  }

  override [acked](id: MessageId): void | Promise<void> {
    const message = this.inFlight.get(id);
    if (!message) return;
    this.inFlight.delete(id);
    return this.onAck(id, message.values);
  }

  override async [failed](id: MessageId): Promise<void> {
    const message = this.inFlight.get(id);
    if (!message) return;
    await this.onFail(id, message.values);
    if (message.retries < this.options.maxRetries) {
      message.retries++;
      this.emit(message.values, { id, stream: message.stream });
      return;
    }
    this.inFlight.delete(id);
    await this.onGiveUp(id, message.values, message.retries);
  }

  /** A message was fully processed; `values` is what `emitReliable` sent. */
  override onAck(_id: MessageId, _values: unknown[]): void | Promise<void> {}

  /** A message failed or timed out; it is replayed after this returns, or handed to `onGiveUp` after `maxRetries`. */
  override onFail(_id: MessageId, _values: unknown[]): void | Promise<void> {}

  /** A message failed after `maxRetries` replays; it is dropped after this returns. Logs a warning by default. */
  onGiveUp(id: MessageId, values: unknown[], retries: number): void | Promise<void> {
    this.logger.warn(`giving up on message ${String(id)} after ${retries} replays: ${stringifyMessage(values).slice(0, 200)}`);
  }
}
