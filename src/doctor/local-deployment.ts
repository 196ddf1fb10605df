/**
 * `squall doctor --run`: doctor starts the topology itself on the embedded runtime (`squall run`'s code), lets it
 * settle, measures it, and stops it. With --apply it runs it again with the plan's overrides (tasks are fixed for a
 * run, as they are at submit), which is what a user-started `squall run --ui` cannot offer.
 */
import type { Deployment } from './apply.js';
import { aggregateMetrics, type Observation } from './collect.js';
import { examine } from './examine.js';
import { planOverrides, type PlanOptions } from './plan.js';
import type { DoctorReport } from './report.js';
import { resolveTopology, type ConfigSources } from '../topology/resolve.js';
import { maxSpoutPending, messageTimeoutSecs } from '../config/keys.js';
import type { LoadedTopology } from '../packaging/load.js';
import type { ComponentStats, RuntimeEvent } from '../runtime/local-cluster.js';
import { measureWindow, type MeasuredWindow } from '../runtime/measure-window.js';
import type { TopologySpec } from '../topology/spec.js';
import { LogLevel } from '../wire/messages.js';
import type { TaskMetrics } from '../wire/metrics-line.js';
import { localCluster } from '../deploy/local.js';
import { localCores } from './read.js';

export interface Measured {
  observation: Observation;
  /** Tuple trees acked per second while measuring. */
  rate: number;
}

export interface MeasureOptions {
  settleMs: number;
  measureMs: number;
  onEvent?: (event: RuntimeEvent) => void;
}

/**
 * Run `spec` on the embedded runtime: start, let it settle, measure, stop. Counts come from the runtime (exact, not
 * sampled) over the measuring window only, and the components' measurement lines from the intervals inside it.
 */
export async function measureRun(loaded: LoadedTopology, spec: TopologySpec, options: MeasureOptions): Promise<Measured> {
  const lines: TaskMetrics[] = [];
  const cluster = localCluster(loaded, spec, { onMetrics: (m) => lines.push(m), ...(options.onEvent ? { onEvent: options.onEvent } : {}) });
  let window: MeasuredWindow;
  try {
    await cluster.start();
    window = await measureWindow(cluster, options.settleMs, options.measureMs);
  } finally {
    await cluster.stop(2000);
  }
  const { from, until, before, after } = window;
  const spouts = (stats: ComponentStats[]) =>
    stats.filter((s) => s.kind === 'spout').reduce((a, s) => ({ acked: a.acked + s.acked, failed: a.failed + s.failed, latency: a.latency + s.latencyTotalMs }), { acked: 0, failed: 0, latency: 0 });
  const b = spouts(before);
  const a = spouts(after);
  const secs = (until - from) / 1000;
  const acked = a.acked - b.acked;
  return {
    rate: acked / secs,
    observation: {
      spec,
      maxSpoutPending: maxSpoutPending(spec.config),
      messageTimeoutSecs: messageTimeoutSecs(spec.config),
      workers: Number(spec.config['topology.workers'] ?? 1),
      // Intervals that end inside the measuring window and began at most one interval before it: the settling's
      // lines would count start-up as work, but a task whose handler holds the event loop (a synchronous, CPU-bound
      // bolt working through its queue) sends its lines late, over longer intervals, and must not go unmeasured.
      metrics: aggregateMetrics(lines.filter((m) => m.at > from && m.at <= until + 50 && m.at - m.secs * 1000 >= from - m.secs * 500)),
      completeLatencySecs: acked > 0 ? (a.latency - b.latency) / acked / 1000 : null,
      failedPerSec: (a.failed - b.failed) / secs,
      cores: localCores(),
    },
  };
}

export interface LocalDoctorOptions {
  loaded: LoadedTopology;
  /** The project as given (`--run PATH`), for the command a plan prints. */
  path: string;
  /** The run's overrides: -o (doctor's measurement interval included), -p, --tasks, --concurrency. */
  sources: ConfigSources;
  /** The user's own -o, kept in every run and in the printed command. */
  userOptions: Record<string, unknown>;
  plan: PlanOptions;
  settleSecs: number;
  measureSecs: number;
  progress: (line: string) => void;
}

export class LocalDoctor implements Deployment {
  private sources: ConfigSources;
  /** The sources before each change, for `undo`. */
  private readonly earlier: ConfigSources[] = [];
  /** The topology as its project says, without overrides: the printed command names what differs from it. */
  private readonly project: TopologySpec;

  constructor(private readonly o: LocalDoctorOptions) {
    this.sources = o.sources;
    this.project = o.loaded.topology.toSpec();
  }

  async observe(target: number | undefined): Promise<DoctorReport> {
    const spec = resolveTopology(this.o.loaded.topology.toSpec(), this.sources);
    const tasks = spec.components.reduce((n, c) => n + c.tasks, 0);
    this.o.progress(`running ${spec.name} here (${tasks} tasks): ${this.o.settleSecs}s to settle, then measuring for ${this.o.measureSecs}s …`);
    const measured = await measureRun(this.o.loaded, spec, { settleMs: this.o.settleSecs * 1000, measureMs: this.o.measureSecs * 1000, onEvent: (e) => this.event(e) });
    return examine(
      measured.observation,
      { topology: spec.name, target: '', project: { path: this.o.path, spec: this.project }, local: { options: this.o.userOptions } },
      { ...this.o.plan, ...(target !== undefined ? { target } : {}) },
    );
  }

  /** Run again with the plan's overrides on top of the current ones: every run starts fresh, so its figures are. */
  async change(report: DoctorReport, target: number): Promise<DoctorReport> {
    const o = planOverrides({ ...report.plan, redeploy: true }, this.project);
    const s = this.sources;
    this.earlier.push(s);
    this.sources = {
      ...s,
      commandLine: { ...s.commandLine, ...o.options },
      parallelism: { ...s.parallelism, ...o.parallelism },
      tasks: { ...s.tasks, ...o.tasks },
      concurrency: { ...s.concurrency, ...o.concurrency },
    };
    return this.observe(target);
  }

  /** Back to the configuration before the last change: every run starts fresh, so the next one simply uses it. */
  async undo(): Promise<void> {
    const before = this.earlier.pop();
    if (before) this.sources = before;
  }

  /** What a component says at WARN and above, and deaths: the figures of a run with failing tasks are suspect. */
  private event(e: RuntimeEvent): void {
    if (e.kind === 'death' || e.kind === 'error' || e.level >= LogLevel.WARN) {
      this.o.progress(`[${e.component}:${e.task}] ${e.kind === 'death' ? 'DIED' : e.kind.toUpperCase()} ${e.message}`);
    }
  }
}
