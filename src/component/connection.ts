import { FrameChannel } from '../wire/channel.js';
import { ProtocolError } from '../wire/codec.js';
import type { BoltEmitMessage, ComponentMessage, LogLevelNumber, PidMessage } from '../wire/messages.js';
import { boltEmitText } from '../wire/messages.js';
import { flushStrayOutput, guardStdout } from './stdout-guard.js';

/** Exit codes of a component process, distinct so a supervisor log tells what happened. */
export const ExitCode = {
  /** Storm closed stdin: the worker is going away. */
  EOF: 0,
  /** User code threw and `exitOnException` is on (pystorm's `exit_on_exception`). */
  USER_EXCEPTION: 1,
  /** Storm sent something that is not a valid multi-lang message. */
  PROTOCOL_ERROR: 3,
} as const;

/**
 * The component's end of the pipe to Storm: a FrameChannel fed from stdin, writing to stdout. Exactly one exists
 * per process (`sharedConnection`, which also installs the stdout guard against everything else).
 */
export class StormConnection {
  private readonly channel: FrameChannel;
  /** Log lines written before the pid reply: Storm's first read must be the pid, so they wait. */
  private heldBeforePid: ComponentMessage[] | undefined = [];
  private exiting = false;

  constructor(
    private readonly input: NodeJS.ReadableStream = process.stdin,
    output: NodeJS.WriteStream = process.stdout,
  ) {
    // Keep the real write before the stdout guard replaces it: only this channel may touch the protocol stream.
    const rawWrite = output.write.bind(output) as (chunk: string) => boolean;
    this.channel = new FrameChannel(
      { write: rawWrite, once: (event, fn) => output.once(event, fn) },
      {
        protocolError: (err) => void this.protocolError(err),
        // While Storm is not reading our output, stop reading its input rather than buffering without bound.
        backpressure: (blocked) => (blocked ? this.input.pause() : this.input.resume()),
      },
    );
    input.on('data', (chunk: Buffer) => this.channel.receive(chunk));
    input.on('end', () => this.onEnd());
    input.on('error', () => this.onEnd());
  }

  /** Route every incoming message to `listener` (messages already received are delivered first). */
  listen(listener: (message: unknown) => void): void {
    this.channel.listen(listener);
  }

  /** Wait for the next message without consuming it through a listener (used for the handshake). */
  next(): Promise<unknown> {
    return this.channel.next();
  }

  send(message: ComponentMessage | PidMessage): void {
    if (this.heldBeforePid !== undefined && !('pid' in message)) {
      this.heldBeforePid.push(message);
      return;
    }
    this.channel.write(message);
    if ('pid' in message && this.heldBeforePid !== undefined) {
      const held = this.heldBeforePid;
      this.heldBeforePid = undefined;
      for (const m of held) this.channel.write(m);
    }
  }

  /** A bolt's emit, written through the cheaper text encoding (boltEmitText); same bytes as `send`. */
  sendBoltEmit(message: BoltEmitMessage): void {
    if (this.heldBeforePid !== undefined) this.send(message);
    else this.channel.writeText(boltEmitText(message));
  }

  /** Write what is queued now: the reply in progress is complete (see FrameWriter.endBatch). */
  endBatch(): void {
    this.channel.endBatch();
  }

  /** Log through Storm (`ShellLog pid:…, name:… msg` in the worker log). */
  log(msg: string, level: LogLevelNumber): void {
    this.send({ command: 'log', msg, level });
  }

  /** True once the process is on its way out: user code must not run any more. */
  get closing(): boolean {
    return this.exiting;
  }

  /** Send everything queued, then exit. Idempotent: the first caller's code wins. */
  async exit(code: number): Promise<never> {
    if (!this.exiting) {
      this.exiting = true;
      flushStrayOutput();
      // A pid never sent (exit during handshake) must not trap the held logs.
      this.heldBeforePid = undefined;
      await Promise.race([this.channel.flush(), new Promise((r) => setTimeout(r, 2000))]);
      process.exit(code);
    }
    return new Promise<never>(() => {});
  }

  /** A fatal protocol error: one clear line on stderr (Storm logs it), then a distinct exit code. */
  protocolError(err: ProtocolError | Error): Promise<never> {
    process.stderr.write(`squall: ${err.message}\n`);
    return this.exit(ExitCode.PROTOCOL_ERROR);
  }

  private onEnd(): void {
    if (this.channel.pendingBytes > 0) {
      void this.protocolError(
        new ProtocolError(`stdin closed in the middle of a message (${this.channel.pendingBytes} bytes without "\\nend\\n")`),
      );
      return;
    }
    void this.exit(ExitCode.EOF);
  }
}

let shared: StormConnection | undefined;

/**
 * The process's one connection to Storm, created on first use. The topology bundle creates it before any user
 * module runs, so console output at module top level is already guarded.
 */
export function sharedConnection(): StormConnection {
  if (!shared) {
    shared = new StormConnection();
    // From here on stdout is the protocol stream: nothing but the connection's own channel may reach it.
    const connection = shared;
    guardStdout((msg, level) => connection.log(msg, level));
  }
  return shared;
}

