import { stringifyMessage } from '../wire/codec.js';
import type { ShellProcess } from './shell-process.js';
import { ShellDeath } from './shell-process.js';
import { HEARTBEAT_STREAM, SYSTEM_COMPONENT, TICK_STREAM } from '../wire/messages.js';
import type { ShellEmit } from '../wire/messages.js';
import { receiveShellMsg } from './shell-receive.js';
import type { ShellReceiver } from './shell-receive.js';

/** What the executor reports to its owner (the embedded runtime, or a test driver). */
export interface BoltHooks<Input> {
  /** The bolt emitted; returns the task ids it went to (sent back when the emit asked for them). */
  emit(stream: string, anchors: Input[], values: unknown[], directTask: number | undefined): number[];
  ack(input: Input): void;
  fail(input: Input): void;
  /** `error` command: Storm reports "Shell Process Exception: " + msg as the component's last error. */
  error(msg: string): void;
  log(msg: string, level: number): void;
  /** The bolt broke a rule that makes a real worker exit with code 11, or timed out, or its process ended. */
  died(death: ShellDeath): void;
}

export interface BoltExecutorOptions {
  /** `topology.subprocess.timeout.secs` (or `supervisor.worker.timeout.secs`), in ms. */
  timeoutMs: number;
  /** `topology.shellbolt.max.pending`: tuples sent and not yet acked or failed. */
  maxPending: number;
  /** Heartbeat period; Storm's is one second. */
  heartbeatMs?: number;
}

interface Queued<Input> {
  input: Input;
  comp: string;
  stream: string;
  task: number;
  values: unknown[];
  bytes: number;
}

/**
 * The Storm side of a shell bolt (Storm's `ShellBolt`): sends tuples with fresh id strings, sends a heartbeat
 * tuple every second, and enforces what kills a real worker — a message without `command`, an ack or fail of an
 * id it does not hold, an anchor to a tuple no longer held, a subprocess silent for longer than the timeout.
 */
export class ShellBoltExecutor<Input> {
  /** Tuples sent and not yet acked or failed, by the id string the bolt must echo. */
  private readonly inputs = new Map<string, Input>();
  private readonly ids = new TupleIds();
  private readonly waiting: Queued<Input>[] = [];
  private waitingBytes = 0;
  private lastMessageAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private dead = false;
  /** The bolt has said something since the last heartbeat period began (see `heartbeat`). */
  private spokeSinceHeartbeat = false;
  /** The bolt has said something since the last tuple was sent to it (see `send`). */
  private heard = true;
  /** The receive path shared with the spout executor (log, error, metrics). */
  private readonly receiver: ShellReceiver;

  constructor(
    private readonly process: ShellProcess,
    private readonly hooks: BoltHooks<Input>,
    private readonly options: BoltExecutorOptions,
  ) {
    this.receiver = { role: 'bolt', log: (msg, level) => hooks.log(msg, level), error: (msg) => hooks.error(msg), die: (reason) => this.die(reason) };
  }

  /** Start reading the bolt's messages and heartbeating (after `ShellProcess.launch`). */
  start(): void {
    this.lastMessageAt = Date.now();
    this.process.listen(
      (message) => this.receive(message),
      (reason) => this.die(reason),
    );
    const period = this.options.heartbeatMs ?? 1000;
    this.timer = setInterval(() => this.heartbeat(), period);
    this.timer.unref();
  }

  /** Tuples sent to the bolt and not yet acked or failed. */
  get pending(): number {
    return this.inputs.size;
  }

  /** Tuples held back by `topology.shellbolt.max.pending`. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Approximate size of the tuples held back, for the runtime's byte budget. */
  get queuedBytes(): number {
    return this.waitingBytes;
  }

  get isDead(): boolean {
    return this.dead;
  }

  /**
   * Hand a tuple to the bolt. Held back while `maxPending` tuples are unacked; tick tuples are never held back
   * (Storm's limit is on its write queue, which ticks pass through at once, and a batching bolt waits on them).
   */
  execute(input: Input, comp: string, stream: string, task: number, values: unknown[]): void {
    if (this.dead) return;
    const isTick = comp === SYSTEM_COMPONENT && stream === TICK_STREAM;
    if (!isTick && (this.inputs.size >= this.options.maxPending || this.waiting.length > 0)) {
      const bytes = approximateBytes(values);
      this.waitingBytes += bytes;
      this.waiting.push({ input, comp, stream, task, values, bytes });
      return;
    }
    this.send(input, comp, stream, task, values);
  }

  /** Stop heartbeating and close the process's stdin (it exits on EOF). */
  async stop(): Promise<void> {
    this.dead = true;
    if (this.timer) clearInterval(this.timer);
    this.process.channel.uncork();
    await this.process.stop();
  }

  private send(input: Input, comp: string, stream: string, task: number, values: unknown[]): void {
    // Tuples were written to the bolt and it has not answered yet: it is awake, working through them, and will
    // answer soon. Hold what follows until it does, so it gets one bigger batch rather than being woken for each
    // small one (every wake-up costs both processes a system call and a context switch). Storm's own writer
    // thread needs no such care: it blocks on the pipe, not on an event loop shared by every task.
    // The cork ends when the bolt next speaks (`onHeard`), or after 1 ms if it holds its tuples, waiting for more.
    if (!this.heard && this.inputs.size > 0 && !this.process.channel.hasPendingWrites) this.process.channel.cork(1);
    const id = this.ids.next();
    this.inputs.set(id, input);
    this.process.channel.write({ id, comp, stream, task, tuple: values });
    this.heard = false;
  }

  private heartbeat(): void {
    if (this.dead) return;
    const now = Date.now();
    // The clock is read here, once a period, not at every message: what counts is whether the bolt spoke since.
    if (this.spokeSinceHeartbeat) {
      this.spokeSinceHeartbeat = false;
      this.lastMessageAt = now;
    } else if (now - this.lastMessageAt > this.options.timeoutMs) {
      this.die(`subprocess heartbeat timeout: no message for more than ${this.options.timeoutMs / 1000}s`);
      return;
    }
    // A fresh id that is never in `inputs`: acking it is fatal, as in Storm.
    this.process.channel.write({ id: this.ids.next(), comp: null, stream: HEARTBEAT_STREAM, task: -1, tuple: [] });
  }

  /** The bolt said something valid: it is alive (heartbeat) and awake (what `send` corked can go). */
  private readonly onHeard = (): void => {
    this.spokeSinceHeartbeat = true;
    this.heard = true;
    this.process.channel.uncork();
  };

  private receive(message: unknown): void {
    if (this.dead) return;
    const m = receiveShellMsg(message, this.receiver, this.onHeard);
    if (m === undefined) return;
    switch (m.command) {
      case 'ack':
      case 'fail': {
        const input = typeof m.id === 'string' ? this.inputs.get(m.id) : undefined;
        if (input === undefined) {
          return this.die(`${m.command === 'ack' ? 'Acked' : 'Failed'} a non-existent or already acked/failed id: ${stringifyMessage(m.id)}`);
        }
        this.inputs.delete(m.id as string);
        if (m.command === 'ack') this.hooks.ack(input);
        else this.hooks.fail(input);
        this.release();
        return;
      }
      case 'emit':
        return this.emit(m);
      case 'sync':
      case 'other':
        // Storm's bolt reader ignores other commands (`sync` included): they only refresh the heartbeat.
        return;
    }
  }

  private emit(m: ShellEmit): void {
    const anchors: Input[] = [];
    for (const anchor of m.anchors) {
      const input = typeof anchor === 'string' ? this.inputs.get(anchor) : undefined;
      if (input === undefined) return this.die(`Anchored onto ${stringifyMessage(anchor)} after ack/fail`);
      anchors.push(input);
    }
    let tasks: number[];
    try {
      tasks = this.hooks.emit(m.stream, anchors, m.tuple, m.directTask);
    } catch (err) {
      return this.die((err as Error).message);
    }
    if (m.directTask === undefined && m.needTaskIds) this.process.channel.write(tasks);
  }

  /** A slot freed up: send held-back tuples. */
  private release(): void {
    while (this.waiting.length > 0 && this.inputs.size < this.options.maxPending) {
      const next = this.waiting.shift()!;
      this.waitingBytes -= next.bytes;
      this.send(next.input, next.comp, next.stream, next.task, next.values);
    }
  }

  private die(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    if (this.timer) clearInterval(this.timer);
    this.process.kill();
    this.hooks.died(new ShellDeath(reason));
  }
}

/**
 * Tuple ids shaped like Storm's: the decimal text of a signed 64-bit number, 19 digits, either sign, so a component
 * that assumes anything narrower about ids fails here as it would on a cluster. Storm draws each id at random; a
 * random 9-digit prefix per executor followed by a 10-digit counter looks the same to a component, never repeats
 * while the executor lives, and costs one number-to-text conversion per tuple instead of three random draws.
 */
export class TupleIds {
  private readonly prefix: string;
  private counter: number;

  constructor() {
    // 100000000–922337202 keeps every id within a signed 64-bit long (9,223,372,036,854,775,807).
    this.prefix = (Math.random() < 0.5 ? '-' : '') + String(100_000_000 + Math.floor(Math.random() * 822_337_203));
    this.counter = 1_000_000_000 + Math.floor(Math.random() * 4_000_000_000);
  }

  next(): string {
    // The counter stays at 10 digits for billions of tuples; past that it starts over rather than grow a digit.
    if (this.counter > 9_999_999_999) this.counter = 1_000_000_000;
    return this.prefix + this.counter++;
  }
}

/**
 * Roughly what a tuple's values weigh in memory: string lengths, 8 bytes per number, keys included. Cheap (no
 * serialising), and exact enough to bound a queue of big tuples by bytes.
 */
export function approximateBytes(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return value.length;
    case 'number':
    case 'bigint':
      return 8;
    case 'object': {
      if (value === null) return 4;
      let bytes = 16;
      if (Array.isArray(value)) for (const item of value) bytes += approximateBytes(item);
      else for (const [key, item] of Object.entries(value)) bytes += key.length + approximateBytes(item);
      return bytes;
    }
    default:
      return 4;
  }
}
