import { FrameDecoder, FrameWriter, ProtocolError } from './codec.js';
import type { FrameSink } from './codec.js';

/** What a channel's owner is told: how the peer's side of the stream behaves. */
export interface ChannelEvents {
  /** The peer sent bytes that are not a multi-lang frame. The channel delivers nothing more from that chunk. */
  protocolError(err: ProtocolError): void;
  /** The sink is full (true) or drained again (false): the owner may stop reading input meanwhile. */
  backpressure?(blocked: boolean): void;
}

/**
 * One end of a multi-lang pipe, whatever the transport (as esbuild's `createChannel`): the owner feeds it the bytes
 * it reads (`receive`) and gives it a sink for the bytes to write; the channel hands out decoded messages and writes
 * framed ones. Both ends use it: the component's connection to Storm (component/connection.ts) and the Storm side
 * of a component process (runtime/shell-process.ts).
 *
 * Messages that arrive before anyone listens wait in a backlog (e.g. a log right after the pid reply).
 */
export class FrameChannel {
  private readonly decoder = new FrameDecoder();
  private readonly writer: FrameWriter;
  private listener: ((message: unknown) => void) | undefined;
  private backlog: unknown[] = [];
  private closed = false;

  constructor(
    sink: FrameSink,
    private readonly events: ChannelEvents,
  ) {
    this.writer = new FrameWriter(sink, (blocked) => events.backpressure?.(blocked));
  }

  /** Route every incoming message to `listener` (messages already received are delivered first). */
  listen(listener: (message: unknown) => void): void {
    this.listener = listener;
    const backlog = this.backlog;
    this.backlog = [];
    for (const message of backlog) listener(message);
  }

  /** The next message, taken without a lasting listener (a handshake's one reply). */
  next(): Promise<unknown> {
    return new Promise((resolve) => {
      if (this.backlog.length > 0) return resolve(this.backlog.shift());
      this.listener = (message) => {
        this.listener = undefined;
        resolve(message);
      };
    });
  }

  /** Bytes read from the transport. */
  receive(chunk: Buffer): void {
    let messages: unknown[];
    try {
      messages = this.decoder.push(chunk);
    } catch (err) {
      this.events.protocolError(err as ProtocolError);
      return;
    }
    for (const message of messages) {
      if (this.listener) this.listener(message);
      else this.backlog.push(message);
    }
    // Everything these messages asked for synchronously is answered: write it now, not at the end of the turn (the
    // peer waits on these replies). What async handlers answer later still goes out at the end of their turn.
    if (messages.length > 0) this.endBatch();
  }

  /** Bytes received that do not form a complete frame yet (non-zero at EOF means a truncated message). */
  get pendingBytes(): number {
    return this.decoder.pendingBytes;
  }

  /** Queue one message (see FrameWriter.write for when it goes out). Nothing is written once closed. */
  write(message: unknown): void {
    if (!this.closed) this.writer.write(message);
  }

  /** Queue one message given as its JSON text. */
  writeText(json: string): void {
    if (!this.closed) this.writer.writeText(json);
  }

  /** Write what is queued now: the reply in progress is complete (see FrameWriter.endBatch). */
  endBatch(): void {
    if (!this.closed) this.writer.endBatch();
  }

  /** Hold what is written from now on, for at most `maxMs` (see FrameWriter.cork). */
  cork(maxMs: number): void {
    this.writer.cork(maxMs);
  }

  uncork(): void {
    this.writer.uncork();
  }

  /** True while messages are queued and not yet written. */
  get hasPendingWrites(): boolean {
    return this.writer.hasPending;
  }

  /** Resolve once everything queued has been handed to the sink. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** The peer is gone: drop what is written from now on, and any cork timer. */
  close(): void {
    this.closed = true;
    this.writer.uncork();
  }

  /** True once closed (the owner's process exited or broke the protocol). */
  get isClosed(): boolean {
    return this.closed;
  }
}
