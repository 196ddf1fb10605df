/**
 * Whether the figures read from a cluster describe the topology after a change: `squall doctor --apply` must not
 * compare a prediction with measurements taken before the change took effect, or while it was still settling.
 * Pure: the CLI reads, this decides, and says what it is still waiting for.
 *
 * - Measurement lines carry the end of their interval (`at`) and its length: a line counts when its interval began
 *   after the change plus the settle time.
 * - The Storm UI's counts come from executor heartbeats. A rebalance gives a changed component new executors (its
 *   executor ranges change, so its workers restart) and a redeploy a new topology, whose counts start from zero:
 *   they count once those executors are younger than the change and have run the settle time.
 */
import type { TaskMetrics } from '../wire/metrics-line.js';

export interface FreshnessInput {
  /** When the change took effect (ms since the epoch). */
  changedAt: number;
  /** Figures must describe the time after this: the change plus the settle time (ms). */
  since: number;
  now: number;
  /** Tasks per component that must have sent a measurement line since `since`. */
  expected: ReadonlyMap<string, number>;
  /** Every measurement line read (none when the components send none). */
  lines: readonly TaskMetrics[];
  /** Components whose executors the change replaced, with their uptimes (secs; null: not reported yet). */
  executorUptimes: ReadonlyMap<string, ReadonlyArray<number | null>>;
  /** Redeployed: the topology itself is new, and the UI must show the new one. */
  redeployed: boolean;
  /** The topology's uptime as the UI reports it (secs). */
  topologyUptime: number | null;
}

export interface Freshness {
  fresh: boolean;
  /** What is still missing, one short phrase each. */
  waitingFor: string[];
}

/** Where a measurement line's interval began (ms). */
export function intervalStart(m: TaskMetrics): number {
  return m.at - m.secs * 1000;
}

/** The lines whose interval began at or after `since`. */
export function linesSince(lines: readonly TaskMetrics[], since: number): TaskMetrics[] {
  return lines.filter((m) => intervalStart(m) >= since);
}

export function freshness(input: FreshnessInput): Freshness {
  const waitingFor: string[] = [];
  const fresh = linesSince(input.lines, input.since);
  for (const [component, wanted] of input.expected) {
    const tasks = new Set(fresh.filter((m) => m.component === component).map((m) => m.task)).size;
    if (tasks < wanted) waitingFor.push(`${component}: measurements from ${tasks} of ${wanted} tasks`);
  }
  // Heartbeat uptimes are whole seconds: one second of slack either way.
  const sinceChange = (input.now - input.changedAt) / 1000 + 1;
  const settled = (input.since - input.changedAt) / 1000 - 1;
  if (input.redeployed && (input.topologyUptime === null || input.topologyUptime > sinceChange)) {
    waitingFor.push('the Storm UI to show the new topology');
  }
  for (const [component, uptimes] of input.executorUptimes) {
    const old = uptimes.filter((u) => u === null || u > sinceChange).length;
    if (uptimes.length === 0) waitingFor.push(`${component}: executors to report`);
    else if (old > 0) waitingFor.push(`${component}: ${old} of ${uptimes.length} executors to restart`);
    else if (uptimes.some((u) => u! < settled)) waitingFor.push(`${component}: executors to run the settle time`);
  }
  return { fresh: waitingFor.length === 0, waitingFor };
}
