import type { ShellProcess } from './shell-process.js';
import { ShellDeath } from './shell-process.js';
import { performance } from 'node:perf_hooks';
import { SLOW_MS, stayAwake } from './stay-awake.js';
import type { MessageId, ShellEmit, SpoutCommand } from '../wire/messages.js';
import { receiveShellMsg } from './shell-receive.js';
import type { ShellReceiver } from './shell-receive.js';

export interface SpoutHooks {
  /** The spout emitted; returns the task ids it went to. `messageId` is undefined for an unreliable emit. */
  emit(stream: string, values: unknown[], messageId: MessageId | undefined, directTask: number | undefined): number[];
  error(msg: string): void;
  log(msg: string, level: number): void;
  died(death: ShellDeath): void;
}

export interface SpoutExecutorOptions {
  /** How long the spout may take to answer a command with `sync` (ms). */
  timeoutMs: number;
}

/**
 * The Storm side of a shell spout (Storm's `ShellSpout`): one command at a time, each answered by `sync`, with
 * emits, logs and errors in between. Anything else from the spout, or no `sync` within the timeout, is fatal.
 */
export class ShellSpoutExecutor {
  private waiting: { resolve: (emitted: number) => void; reject: (death: ShellDeath) => void } | undefined;
  private emitted = 0;
  private lastMessageAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private death: ShellDeath | undefined;
  /** When the command in progress was sent, and how long the previous one took to be answered (ms). */
  private sentAt = 0;
  private lastAnswerMs = Infinity;
  /** The receive path shared with the bolt executor (log, error, metrics). */
  private readonly receiver: ShellReceiver;

  constructor(
    private readonly process: ShellProcess,
    private readonly hooks: SpoutHooks,
    private readonly options: SpoutExecutorOptions,
  ) {
    this.receiver = { role: 'spout', log: (msg, level) => hooks.log(msg, level), error: (msg) => hooks.error(msg), die: (reason) => this.die(reason) };
  }

  start(): void {
    this.process.listen(
      (message) => this.receive(message),
      (reason) => this.die(reason),
    );
    // Storm checks once a second, and only while it waits on the subprocess.
    this.timer = setInterval(() => {
      if (this.waiting && Date.now() - this.lastMessageAt > this.options.timeoutMs) {
        this.die(`subprocess heartbeat timeout: no sync within ${this.options.timeoutMs / 1000}s`);
      }
    }, Math.min(1000, this.options.timeoutMs));
    this.timer.unref();
  }

  get isDead(): boolean {
    return this.death !== undefined;
  }

  /** True while a command awaits its `sync`. */
  get busy(): boolean {
    return this.waiting !== undefined;
  }

  /**
   * Send one command and resolve, with the number of tuples emitted meanwhile, when the spout answers `sync`.
   * Rejects with ShellDeath if the spout breaks the protocol or dies.
   */
  command(command: SpoutCommand, id: MessageId = ''): Promise<number> {
    if (this.death) return Promise.reject(this.death);
    if (this.waiting) throw new Error(`spout command "${command}" sent while another is in progress`);
    this.emitted = 0;
    this.lastMessageAt = Date.now();
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.process.channel.write({ command, id });
      // The spout does nothing until this command arrives: don't let it wait for the rest of the turn.
      this.process.channel.endBatch();
      this.sentAt = performance.now();
      if (this.lastAnswerMs <= SLOW_MS) stayAwake();
    });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.death ??= new ShellDeath('stopped');
    await this.process.stop();
  }

  private readonly onHeard = (): void => {
    this.lastMessageAt = Date.now();
  };

  private receive(message: unknown): void {
    if (this.death) return;
    const m = receiveShellMsg(message, this.receiver, this.onHeard);
    if (m === undefined) return;
    switch (m.command) {
      case 'sync': {
        const waiting = this.waiting;
        this.waiting = undefined;
        this.lastAnswerMs = performance.now() - this.sentAt;
        waiting?.resolve(this.emitted);
        return;
      }
      case 'emit':
        return this.emit(m);
      case 'ack':
      case 'fail':
        return this.die(`Unknown command received: ${m.command}`);
      case 'other':
        return this.die(`Unknown command received: ${m.name}`);
    }
  }

  private emit(m: ShellEmit): void {
    let tasks: number[];
    try {
      tasks = this.hooks.emit(m.stream, m.tuple, m.id, m.directTask);
    } catch (err) {
      return this.die((err as Error).message);
    }
    this.emitted++;
    // For spouts Storm writes the task ids at once, before the command ends.
    if (m.directTask === undefined && m.needTaskIds) this.process.channel.write(tasks);
  }

  private die(reason: string): void {
    if (this.death) return;
    this.death = new ShellDeath(reason);
    if (this.timer) clearInterval(this.timer);
    this.process.kill();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(this.death);
    this.hooks.died(this.death);
  }
}
