/**
 * What `squall doctor` reads about a running topology: the Storm UI's topology and component pages, and the
 * components' own measurement lines (served by `squall run --ui`, or read from the worker logs over SSH).
 */
import { aggregateMetrics, newestPerTask, type Observation } from './collect.js';
import { linesSince } from './fresh.js';
import type { TopologySpec } from '../topology/spec.js';
import type { StormUiClient, TopologyStats, UiComponentStats } from '../ui/client.js';
import type { TaskMetrics } from '../wire/metrics-line.js';
import { maxSpoutPending, messageTimeoutSecs } from '../config/keys.js';
import { cpus } from 'node:os';

export interface Reading {
  id: string;
  /** The topology's uptime as the UI reports it (secs). */
  uptimeSecs: number | null;
  stats: TopologyStats;
  /** The component pages the UI gave (a page it cannot give only loses the hosts and uptimes). */
  pages: Map<string, UiComponentStats>;
  /** Every measurement line read. */
  lines: TaskMetrics[];
  /** The lines are each task's latest, as `squall run --ui` serves them (not a worker log's history). */
  latestOnly: boolean;
}

/** Read the UI (and the worker logs, when `fromLogs` is given and the UI serves no measurements). */
export async function readTopology(ui: StormUiClient, name: string, spec: TopologySpec, fromLogs?: () => Promise<TaskMetrics[]>): Promise<Reading> {
  const { id, uptimeSeconds } = await ui.findTopology(name);
  const stats = await ui.topology(id, 600);
  const fetched = await Promise.all(spec.components.map(async (c) => [c.id, await ui.component(id, c.id, 600).catch(() => null)] as const));
  const pages = new Map(fetched.filter((x): x is readonly [string, UiComponentStats] => x[1] !== null));
  const served = await ui.squallMetrics(stats);
  return { id, uptimeSecs: uptimeSeconds, stats, pages, lines: served ?? (fromLogs ? await fromLogs() : []), latestOnly: served !== null };
}

/**
 * The topology a `squall run --ui` serves (its graph, with the groupings a Storm UI does not give), when the UI is
 * one and runs exactly one topology; null otherwise (a Storm UI is never asked: its page names no graph). Lets
 * `squall doctor --ui URL` work outside the project.
 */
export async function servedTopology(ui: StormUiClient): Promise<TopologySpec | null> {
  try {
    const running = await ui.topologySummary();
    if (running.length !== 1) return null;
    const graph = (await ui.squallTopology(await ui.topology(running[0]!.id, 600))) as TopologySpec | null;
    return graph && Array.isArray(graph.components) ? graph : null;
  } catch {
    return null;
  }
}

/** CPU cores of this machine: what a local run's processes share. */
export function localCores(): number {
  return cpus().length;
}

/**
 * The model's input from a reading; with `since`, only measurement lines whose interval began after it. `cores`:
 * of the machines the topology runs on (this machine's for `squall run --ui`; a cluster's supervisors'), if known.
 */
export function observationOf(reading: Reading, spec: TopologySpec, since?: number, cores?: number): Observation {
  const conf = { ...spec.config, ...reading.stats.configuration };
  // Where each task runs, to name a slow instance.
  const hosts = new Map<number, string>();
  for (const page of reading.pages.values()) {
    for (const e of page.executorStats) {
      if (e.firstTask === null || e.lastTask === null) continue;
      for (let task = e.firstTask; task <= e.lastTask; task++) hosts.set(task, `${e.host}${e.port === null ? '' : `:${e.port}`}`);
    }
  }
  const lines = since === undefined ? reading.lines : linesSince(reading.lines, since);
  return {
    spec,
    maxSpoutPending: maxSpoutPending(conf),
    messageTimeoutSecs: messageTimeoutSecs(conf),
    workers: Number(conf['topology.workers'] ?? reading.stats.workers ?? 1),
    metrics: reading.latestOnly ? lines : recent(lines),
    ui: reading.stats,
    hosts,
    ...(cores !== undefined ? { cores } : reading.latestOnly ? { cores: localCores() } : {}),
  };
}

/** Intervals per task a report covers: five minutes at the default interval of 60 s. */
const RECENT_INTERVALS = 5;

/** Each task's last few measurement lines, added up: a steadier figure than one interval. */
function recent(lines: TaskMetrics[]): TaskMetrics[] {
  return aggregateMetrics(newestPerTask(lines, RECENT_INTERVALS));
}
