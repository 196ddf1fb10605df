/**
 * What `squall doctor` knows about a running topology, as plain numbers: the input of the model in ./model.ts.
 * Collectors (a local run's runtime, a cluster's UI and the SDK's metric lines) fill it in; the model never does
 * I/O, so it can be tested on synthetic figures and trusted to predict the same way everywhere.
 */

import type { GroupingSpec } from '../topology/spec.js';

/** Where the tuples of one subscription go (Storm's groupings, as far as load is concerned): a topology's names. */
export type Grouping = GroupingSpec['type'];

/** One subscription: `to` reads `stream` of `from` with `grouping`. */
export interface Edge {
  from: string;
  stream: string;
  to: string;
  grouping: Grouping;
}

/** One task as measured from inside its process. */
export interface TaskFigures {
  task: number;
  /** Where it runs, to name a slow instance (`host:port` on a cluster). */
  host?: string;
  /** Tuples executed per second (bolts) or root tuples emitted per second (spouts). */
  ratePerSec: number;
  /** Mean wall seconds inside the user's handler per tuple. */
  serviceSecs: number;
}

/** A key of a fields grouping and its share (0..1) of the component's input. */
export interface HotKey {
  key: string;
  share: number;
}

export interface ComponentFigures {
  id: string;
  kind: 'spout' | 'bolt';
  /** Tasks: one process each for squall and shell components; fixed at submit. */
  tasks: number;
  /** Executors (threads in the workers); at most `tasks`. */
  executors: number;
  /** Tuples one task works on at once: a bolt's `concurrency` option for async work; 1 when synchronous. */
  concurrency: number;
  /** Mean wall seconds of work per tuple: per executed tuple (bolt) or per root tuple emitted (spout). */
  serviceSecs: number;
  /** CPU seconds per tuple (the whole process's, parsing and writing included), when measured. */
  cpuSecs?: number;
  /**
   * Seconds per tuple the handler awaited (its promise outstanding, the event loop free for other tuples), when the
   * SDK measured it. Only this part overlaps with `concurrency`; 0 for a synchronous handler.
   */
  awaitSecs?: number;
  /** Tuples emitted on each stream per tuple executed (bolt) or per root tuple (spout): the selectivity. */
  emitsPerTuple: Record<string, number>;
  /** Spouts: root tuples per second now, all tasks together. */
  rootRate?: number;
  /** Spouts: share of `next` calls that emitted nothing (the source was empty), when measured. */
  emptyNextShare?: number;
  /** Per task, in task order, when the SDK measured them. */
  taskFigures?: TaskFigures[];
  /** Bolts fed by a fields grouping: the heaviest keys, heaviest first. */
  hotKeys?: HotKey[];
  /** Bolts fed by a fields grouping: tuples per task index at other task counts (n → counts), measured. */
  keySpread?: Record<number, number[]>;
  /** Spouts that measure the source they read (e.g. a Redis stream's consumer group): its backlog and flow. */
  source?: SourceFigures;
}

/**
 * A spout's source over the measured window. Gauges are the source's own (a consumer group's backlog), taken from
 * the newest sample per group and added up over distinct groups, never over tasks; rates add up over tasks.
 */
export interface SourceFigures {
  /** e.g. `redis-stream`, and the stream (several distinct sources: their names joined by `, `). */
  kind: string;
  name: string;
  /** Entries waiting to be delivered (consumer lag), and delivered but not yet acknowledged; null when unknown. */
  lag: number | null;
  pending: number | null;
  /** Change of the lag per second over the window (positive: the backlog grows); null without two samples. */
  lagGrowthPerSec: number | null;
  /** New entries read, entries replayed, taken over from gone consumers, and given up on, per second (all tasks). */
  readPerSec: number;
  replayedPerSec: number;
  claimedPerSec: number;
  deadLetteredPerSec: number;
  /** Entries given up on within the window (all tasks), and the window's length in seconds. */
  deadLettered: number;
  windowSecs: number;
}

export interface TopologyFigures {
  components: ComponentFigures[];
  edges: Edge[];
  /** `topology.max.spout.pending` (per spout task); null when unset (Storm then never holds a spout back). */
  maxSpoutPending: number | null;
  /** `topology.message.timeout.secs`. */
  messageTimeoutSecs: number;
  /** Observed mean complete latency of tuple trees, when acking is on. */
  completeLatencySecs: number | null;
  /** Tuple trees failed or timed out per second. */
  failedPerSec: number;
  /** `topology.workers`. */
  workers: number;
  /**
   * CPU cores of the machines the topology runs on (the supervisors' on a cluster, this machine's for a local run),
   * when known: every process shares them, so CPU seconds per tuple tree bound the rate whatever the parallelism.
   */
  cores?: number;
  /**
   * The share of a core (0..1] a runnable process of the topology got while measured: CPU over wall time of the
   * synchronous tasks that were busy all the time. Below 1 the host runs more than the topology (a shared machine):
   * its cores are shared fairly among everything runnable, so more processes of the topology get more of them, but
   * not all. Unknown (or 1): the cores are the topology's alone.
   */
  coreShare?: number;
  /**
   * Storm 2's load-aware shuffle (on unless `topology.disable.loadaware.messaging`): it weighs targets by the load
   * their worker reports, which is kept per executor under its first task; the other tasks of an executor read as
   * "not connected" (load 1.0) and lose all their weight. Default true.
   */
  loadAwareShuffle?: boolean;
  /**
   * Root tuples per second the sources could supply, when known (e.g. a rate-limited feed). Unknown: the spouts are
   * held back only by max.spout.pending and by the bolts.
   */
  offeredRate?: number;
}

/** A change to try on the model: anything left out stays as it is now. */
export interface Change {
  tasks?: Record<string, number>;
  /** Executors per component (at most its tasks); default: as now, or one per task where tasks change. */
  executors?: Record<string, number>;
  concurrency?: Record<string, number>;
  maxSpoutPending?: number | null;
  /** Root tuples per second offered by the sources (a new load to predict for). */
  offeredRate?: number;
}
