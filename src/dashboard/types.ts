/**
 * What the dashboard's server sends its page: one consistent reading of a topology, already combined into the
 * figures the page draws. Plain data, shared by the server (./state.ts) and the browser bundle (./browser/), so the
 * page never re-derives what the server computed; the what-if panel runs doctor's model (pure) on `figures`.
 */
import type { SourceFigures, TopologyFigures } from '../doctor/figures.js';

/** One task, from its own measurement line (squall components) and the UI's executor row that holds it. */
export interface DashTask {
  task: number;
  /** `host:port` of the worker, when the UI said. */
  host: string | null;
  /** Busy share of the task over its latest measured interval (0..1, per unit of concurrency); null unmeasured. */
  utilization: number | null;
  /** Mean wall ms per tuple (handler time, or CPU when that is more for a synchronous task). */
  serviceMs: number | null;
  /** CPU ms per tuple; the rest of the service time is waiting (I/O, timers). */
  cpuMs: number | null;
  /** Tuples executed (bolts) or roots emitted (spouts) in the measured interval, and per second. */
  executed: number | null;
  ratePerSec: number | null;
  /** Tuples emitted per stream in the measured interval. */
  emitted: Record<string, number>;
  /** Failed, from the UI's executor row over its window, when that row is this task alone. */
  failed: number | null;
  /** Unix ms at the end of the measured interval, and its length. */
  measuredAt: number | null;
  intervalSecs: number | null;
}

export interface DashComponent {
  id: string;
  kind: 'spout' | 'bolt';
  tasks: number;
  executors: number;
  concurrency: number;
  /** The busiest task's utilization (true busy time when measured, else doctor's estimate); null when unknown. */
  utilization: number | null;
  /** Least and mean task utilization: with `utilization`, the spread over the tasks. */
  minUtilization: number | null;
  meanUtilization: number | null;
  /** Figures from the components' own measurements (true), or from the UI's counts alone (coarse). */
  measured: boolean;
  /** From the UI's window: bolts execute, spouts complete (acked) and fail tuple trees. */
  executedPerSec: number | null;
  ackedPerSec: number | null;
  failedPerSec: number | null;
  emittedPerSec: number | null;
  /** Spouts: mean complete latency over the window (ms). */
  completeLatencyMs: number | null;
  /** The counts behind the rates, as the UI sent them, for the window of `DashboardState.windowSecs`. */
  counts: { executed: number | null; acked: number | null; failed: number | null; emitted: number | null };
  serviceMs: number | null;
  cpuMs: number | null;
  lastError: string | null;
  /** Heaviest keys of a fields-grouped input, with their share of the input (0..1). */
  hotKeys: Array<{ key: string; share: number }>;
  /** Spouts that measure their source: its backlog (lag, pending: the group's) and flow (replayed/s, dead-lettered). */
  source: SourceFigures | null;
  taskRows: DashTask[];
}

export interface DashEdge {
  from: string;
  to: string;
  stream: string;
  grouping: string;
  /** Tuples per second leaving `from` on `stream`, when known. */
  ratePerSec: number | null;
}

export interface DashFinding {
  kind: string;
  component: string | null;
  message: string;
  evidence: Record<string, number | string | string[]>;
}

/** Doctor's prediction, as the page shows it (JSON has no Infinity: unbounded is null). */
export interface DashPrediction {
  rate: number;
  limitedBy: string;
  bottleneck: string | null;
  saturationRate: number | null;
  completeLatencySecs: number | null;
  components: Array<{ id: string; tasks: number; concurrency: number; ratePerSec: number; utilization: number }>;
}

/** Doctor's plan for the reading: what to change for its target, what the model predicts, and the command. */
export interface DashPlan {
  target: number;
  utilization: number;
  unchanged: boolean;
  components: Array<{ id: string; tasks: { now: number; planned: number }; executors: { now: number; planned: number }; concurrency: { now: number; planned: number }; limit?: string }>;
  maxSpoutPending: { now: number | null; planned: number | null };
  workers: { now: number; planned: number };
  command: string | null;
  predicted: DashPrediction;
  current: DashPrediction;
  caveats: string[];
}

export interface DashboardState {
  topology: string;
  id: string;
  /** Where the figures come from, in words (`squall run --ui`, a cluster's UI URL …). */
  source: string;
  /** Reader's clock (Unix ms) when the reading finished: every figure here is one cut of what was read. */
  at: number;
  uptimeSecs: number | null;
  /** Seconds the UI's counts cover: its window, or the uptime when the topology is younger. */
  windowSecs: number | null;
  totals: { ackedPerSec: number | null; failedPerSec: number | null; completeLatencyMs: number | null };
  components: DashComponent[];
  edges: DashEdge[];
  findings: DashFinding[];
  /** Components whose figures are coarser than measurements would give, with why; and ones with none at all. */
  coarse: string[];
  missing: string[];
  /** The model's input from this reading: the what-if panel predicts from it, in the browser. */
  figures: TopologyFigures;
  plan: DashPlan;
}

/** One point of the over-time chart, from consecutive readings. */
export interface DashPoint {
  /** Reader's clock, Unix seconds. */
  t: number;
  ackedPerSec: number | null;
  failedPerSec: number | null;
  completeLatencyMs: number | null;
}

/** What one server-sent event carries: the latest state and the points since the page's last one. */
export interface DashUpdate {
  state: DashboardState;
  history: DashPoint[];
}
