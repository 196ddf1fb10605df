/**
 * Keep the event loop polling for a short while instead of sleeping, when an answer is due any moment.
 *
 * A spout talks to the runtime in strict round trips (each `next`, `ack` and `fail` is answered by `sync` before the
 * next command, as Storm's ShellSpout does), so a spout task goes no faster than those round trips. Measured on
 * wordcount on a 2-core VM: a round trip took ~100 µs, of which the spout's own work was ~3 µs. The rest was two
 * processes being woken, and waking a thread that sleeps in epoll costs most where CPUs halt when idle (virtual
 * machines). While a command is out and the spout has been answering fast, the runtime polls (a chain of
 * `setImmediate`, whose poll phase does not block) for up to SPIN_MS: the reply is read as it lands. Storm's executors
 * do the same by default before they sleep (WaitStrategyProgressive: `topology.bolt.wait.progressive.level2.count`
 * rounds of parkNanos(1) before Thread.sleep, "to prevent downstream bolt from repeatedly sleeping"). Bounded so an
 * idle or slow spout costs nothing: a spout that took longer than SLOW_MS to answer last time is not polled for.
 */
import { performance } from 'node:perf_hooks';

/** Longest the loop polls for one answer. */
export const SPIN_MS = 0.1;
/** A spout that took longer than this to answer its previous command is waited for asleep. */
export const SLOW_MS = 1;

let deadline = 0;
let polling = false;

function poll(): void {
  if (performance.now() < deadline) setImmediate(poll);
  else polling = false;
}

/** Poll, rather than sleep, for the next `ms` (extending any poll already running). */
export function stayAwake(ms = SPIN_MS): void {
  deadline = Math.max(deadline, performance.now() + ms);
  if (polling) return;
  polling = true;
  setImmediate(poll);
}
