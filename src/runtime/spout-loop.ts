import type { ShellSpoutExecutor } from './shell-spout.js';
import type { MessageId } from '../wire/messages.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the loop asks of the runtime around it. */
export interface SpoutLoopContext {
  /** Message trees of this task still open (emitted, not yet acked, failed or timed out). */
  pending(): number;
  /** True while a bolt task's receive queue is full: Storm 2's back-pressure, spouts are not asked for more. */
  backPressure(): boolean;
  /** True once the stop's drain has given up on the trees still open. */
  drainOver(): boolean;
  /** The spout has answered an `ack` or `fail`; `completeLatencyMs` from the emit to the tree's end. */
  settled(outcome: 'ack' | 'fail', completeLatencyMs: number, timedOut: boolean): void;
}

/**
 * Storm's spout executor for one task (SpoutExecutor.java): activate, then in turn the acks and fails waiting for
 * the spout, then `next` while active, under max pending and without back-pressure; `deactivate` for the stop.
 */
export class SpoutLoop {
  /** Resolves once the spout has answered `deactivate` (or died): it emits nothing new after that. */
  readonly deactivated: Promise<void>;
  /** Resolves when the loop has ended: deactivated with its trees settled, after the drain, or dead. */
  done: Promise<void> = Promise.resolve();
  /** Acks and fails waiting to be sent between `next` commands, as Storm's spout executor does. */
  private readonly queue: Array<{ command: 'ack' | 'fail'; id: MessageId; startedAt: number; doneAt: number; timedOut: boolean }> = [];
  private wake: (() => void) | undefined;
  private deactivating = false;
  private markDeactivated = () => {};
  /** True once `deactivated` has resolved. */
  isDeactivated = false;

  constructor(
    private readonly executor: ShellSpoutExecutor,
    private readonly maxPending: number,
    private readonly runtime: SpoutLoopContext,
  ) {
    this.deactivated = new Promise<void>((resolve) => (this.markDeactivated = resolve)).then(() => {
      this.isDeactivated = true;
    });
  }

  /** Run the loop (once the executor has started). */
  start(): void {
    this.done = this.run()
      .catch(() => {
        // A dead spout rejects its command; its `died` hook has reported it (and restarts the task).
      })
      .finally(() => this.markDeactivated());
  }

  /**
   * A tree of this spout completed or failed (`startedAt`: its emit; `timedOut`: it failed by the message timeout):
   * told to the spout between `next` commands.
   */
  settle(command: 'ack' | 'fail', id: MessageId, startedAt: number, timedOut = false): void {
    this.queue.push({ command, id, startedAt, doneAt: Date.now(), timedOut });
    this.poke();
  }

  /** Deactivate the spout (the stop): it is asked for nothing new after that. */
  deactivate(): void {
    this.deactivating = true;
    this.poke();
  }

  /** Look again now (e.g. the drain is over) rather than at the next idle check. */
  poke(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    await this.executor.command('activate');
    let active = true;
    for (;;) {
      if (this.executor.isDead) return;
      const settled = this.queue.shift();
      if (settled) {
        await this.executor.command(settled.command, settled.id);
        // Counted once the spout has answered: a tree settled while the spout was dying never reached it.
        this.runtime.settled(settled.command, settled.doneAt - settled.startedAt, settled.timedOut);
        continue;
      }
      if (this.deactivating && active) {
        active = false;
        await this.executor.command('deactivate');
        this.markDeactivated();
        continue;
      }
      // Deactivated for the stop: done once its trees are settled, or when the drain gave up on them.
      if (!active && (this.runtime.pending() === 0 || this.runtime.drainOver())) return;
      if (active && this.runtime.pending() < this.maxPending) {
        if (this.runtime.backPressure()) {
          await sleep(1);
          continue;
        }
        const emitted = await this.executor.command('next');
        // Storm's default wait strategy: sleep 1 ms after a `next` that emitted nothing.
        if (emitted === 0) await sleep(1);
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }
}
