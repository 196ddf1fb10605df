import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { format } from 'node:util';
import { FrameDecoder, FrameWriter, ProtocolError } from '../wire/codec.js';
import type { BoltEmitMessage, ComponentMessage, LogLevelNumber, PidMessage } from '../wire/messages.js';
import { boltEmitText, LogLevel } from '../wire/messages.js';

/** Exit codes of a component process, distinct so a supervisor log tells what happened. */
export const ExitCode = {
  /** Storm closed stdin: the worker is going away. */
  EOF: 0,
  /** User code threw and `exitOnException` is on (pystorm's `exit_on_exception`). */
  USER_EXCEPTION: 1,
  /** Storm sent something that is not a valid multi-lang message. */
  PROTOCOL_ERROR: 3,
} as const;

type Listener = (message: unknown) => void;

/**
 * The component's end of the pipe to Storm: frames in from stdin, frames out to stdout. Exactly one exists per
 * process (`sharedConnection`, which also guards stdout against everything else).
 */
export class StormConnection {
  private readonly decoder = new FrameDecoder();
  private readonly writer: FrameWriter;
  private listener: Listener | undefined;
  /** Messages that arrived before a listener was set (e.g. while the handshake reply is being written). */
  private backlog: unknown[] = [];
  /** Log lines written before the pid reply: Storm's first read must be the pid, so they wait. */
  private heldBeforePid: ComponentMessage[] | undefined = [];
  private exiting = false;

  constructor(
    private readonly input: NodeJS.ReadableStream = process.stdin,
    output: NodeJS.WriteStream = process.stdout,
  ) {
    // Keep the real write before the stdout guard replaces it: only this writer may touch the protocol stream.
    const rawWrite = output.write.bind(output) as (chunk: string) => boolean;
    this.writer = new FrameWriter({ write: rawWrite, once: (event, fn) => output.once(event, fn) }, (blocked) => {
      // While Storm is not reading our output, stop reading its input rather than buffering without bound.
      if (blocked) this.input.pause();
      else this.input.resume();
    });
    input.on('data', (chunk: Buffer) => this.receive(chunk));
    input.on('end', () => this.onEnd());
    input.on('error', () => this.onEnd());
  }

  /** Route every incoming message to `listener` (messages already received are delivered first). */
  listen(listener: Listener): void {
    this.listener = listener;
    const backlog = this.backlog;
    this.backlog = [];
    for (const message of backlog) listener(message);
  }

  /** Wait for the next message without consuming it through a listener (used for the handshake). */
  next(): Promise<unknown> {
    return new Promise((resolve) => {
      const first = this.backlog.shift();
      if (first !== undefined) return resolve(first);
      this.listener = (message) => {
        this.listener = undefined;
        resolve(message);
      };
    });
  }

  send(message: ComponentMessage | PidMessage): void {
    if (this.heldBeforePid !== undefined && !('pid' in message)) {
      this.heldBeforePid.push(message);
      return;
    }
    this.writer.write(message);
    if ('pid' in message && this.heldBeforePid !== undefined) {
      const held = this.heldBeforePid;
      this.heldBeforePid = undefined;
      for (const m of held) this.writer.write(m);
    }
  }

  /** A bolt's emit, written through the cheaper text encoding (boltEmitText); same bytes as `send`. */
  sendBoltEmit(message: BoltEmitMessage): void {
    if (this.heldBeforePid !== undefined) this.send(message);
    else this.writer.writeText(boltEmitText(message));
  }

  /** Write what is queued now: the reply in progress is complete (see FrameWriter.endBatch). */
  endBatch(): void {
    this.writer.endBatch();
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
      stdoutGuard?.flushPartialLine();
      // A pid never sent (exit during handshake) must not trap the held logs.
      this.heldBeforePid = undefined;
      await Promise.race([this.writer.flush(), new Promise((r) => setTimeout(r, 2000))]);
      process.exit(code);
    }
    return new Promise<never>(() => {});
  }

  /** A fatal protocol error: one clear line on stderr (Storm logs it), then a distinct exit code. */
  protocolError(err: ProtocolError | Error): Promise<never> {
    process.stderr.write(`squall: ${err.message}\n`);
    return this.exit(ExitCode.PROTOCOL_ERROR);
  }

  private receive(chunk: Buffer): void {
    let messages: unknown[];
    try {
      messages = this.decoder.push(chunk);
    } catch (err) {
      void this.protocolError(err as Error);
      return;
    }
    for (const message of messages) {
      if (this.listener) this.listener(message);
      else this.backlog.push(message);
    }
    // Everything this chunk asked for synchronously is answered: write it now, not at the end of the turn (Storm
    // waits on these replies). What async handlers answer later still goes out at the end of their turn.
    if (messages.length > 0) this.writer.endBatch();
  }

  private onEnd(): void {
    if (this.decoder.pendingBytes > 0) {
      void this.protocolError(
        new ProtocolError(`stdin closed in the middle of a message (${this.decoder.pendingBytes} bytes without "\\nend\\n")`),
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
    // From here on stdout is the protocol stream: nothing but the connection's own writer may reach it.
    guardStdout(shared);
  }
  return shared;
}

/** Levels the console methods map to. */
const CONSOLE_LEVELS: Record<'log' | 'info' | 'warn' | 'error' | 'debug' | 'trace', LogLevelNumber> = {
  log: LogLevel.INFO,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  debug: LogLevel.DEBUG,
  trace: LogLevel.TRACE,
};

interface StdoutGuard {
  flushPartialLine(): void;
}
let stdoutGuard: StdoutGuard | undefined;

/**
 * Anything user code prints would corrupt the protocol stream (Storm would fail to parse the next frame and the
 * worker would die). Console calls become `log` commands at their level; stray `process.stdout.write` text is
 * sent as INFO log lines, one per line.
 */
function guardStdout(connection: StormConnection): void {
  for (const method of Object.keys(CONSOLE_LEVELS) as Array<keyof typeof CONSOLE_LEVELS>) {
    const level = CONSOLE_LEVELS[method];
    console[method] = (...args: unknown[]) => connection.log(format(...args), level);
  }
  let partial = '';
  const flushPartialLine = () => {
    if (partial.length > 0) connection.log(partial, LogLevel.INFO);
    partial = '';
  };
  process.stdout.write = ((chunk: string | Uint8Array, encodingOrCallback?: unknown, callback?: unknown) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) connection.log(line, LogLevel.INFO);
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  }) as typeof process.stdout.write;
  stdoutGuard = { flushPartialLine };
  guardFd1((text) => process.stdout.write(text));
}

/**
 * Loggers such as pino write to file descriptor 1 directly (fs.write / fs.writeSync), around process.stdout.
 * Route those writes through the same guard. (A child process started with stdio 'inherit' still shares the
 * descriptor: give children 'pipe' or 'ignore'.)
 */
function guardFd1(stray: (text: string) => void): void {
  const toText = (data: unknown, offset?: unknown, length?: unknown): string => {
    if (typeof data === 'string') return data;
    const view = data as ArrayBufferView;
    const bytes = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
    const start = typeof offset === 'number' ? offset : 0;
    const end = typeof length === 'number' ? start + length : bytes.length;
    return bytes.toString('utf8', start, end);
  };
  const realWriteSync = fs.writeSync;
  const realWrite = fs.write;
  fs.writeSync = ((fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd !== 1) return (realWriteSync as (...a: unknown[]) => number)(fd, data, ...rest);
    const text = toText(data, rest[0], rest[1]);
    stray(text);
    return Buffer.byteLength(text);
  }) as typeof fs.writeSync;
  fs.write = ((fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd !== 1) return (realWrite as (...a: unknown[]) => void)(fd, data, ...rest);
    const callback = rest.find((r) => typeof r === 'function') as ((err: null, written: number, data: unknown) => void) | undefined;
    const text = toText(data, rest[0], rest[1]);
    stray(text);
    if (callback) process.nextTick(callback, null, Buffer.byteLength(text), data);
  }) as typeof fs.write;
  syncBuiltinESMExports();
}
