/**
 * `squall doctor --apply` on a cluster: a plan of executors and workers goes through Nimbus's rebalance (as
 * `squall rebalance` sends it), anything else is a redeploy through `squall submit --force`'s own path (kill, wait
 * until Nimbus no longer lists the topology, submit with the overrides). Then doctor waits for figures from after
 * the change (./fresh.ts says which count), with a deadline, and reads the topology again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterAccess } from '../cluster/access.js';
import type { Deployment } from './apply.js';
import { examine, type ReportContext } from './examine.js';
import { freshness } from './fresh.js';
import { planOverrides, type PlanOptions } from './plan.js';
import type { DoctorReport } from './report.js';
import type { TopologySpec } from '../topology/spec.js';
import type { StormUiClient } from '../ui/client.js';
import type { TaskMetrics } from '../wire/metrics-line.js';
import { describeSubmitted, submitProject, type SubmitProgress } from '../deploy/submit.js';
import { observationOf, readTopology, type Reading } from './read.js';

export interface ClusterDoctorOptions {
  access: ClusterAccess;
  ui: StormUiClient;
  fromLogs?: () => Promise<TaskMetrics[]>;
  context: ReportContext & { project: { path: string; spec: TopologySpec } };
  plan: PlanOptions;
  /** Seconds after a change before figures count. */
  settleSecs: number;
  /** Seconds after a change begins by which fresh figures must have arrived. */
  deadlineSecs: number;
  /** `--timeout`, for the submit's kill wait. */
  timeoutSecs: number;
  progress: (line: string) => void;
  /** A redeploy's submit progress (bundling, the JAR, the upload). */
  submitProgress: SubmitProgress;
  /** CPU cores of the supervisors the topology runs on, when known: they bound every prediction. */
  cores?: number;
}

/** Progress lines while waiting: whenever what is missing changes, and at least this often. */
const PROGRESS_EVERY_MS = 30_000;

export class ClusterDoctor implements Deployment {
  constructor(private readonly o: ClusterDoctorOptions) {}

  async observe(target: number | undefined): Promise<DoctorReport> {
    return this.examine(await this.read(), target);
  }

  async change(report: DoctorReport, target: number): Promise<DoctorReport> {
    const started = Date.now();
    const deadline = started + this.o.deadlineSecs * 1000;
    const changedAt = report.plan.redeploy ? await this.redeploy(report) : await this.rebalance(report, deadline);
    const since = changedAt + this.o.settleSecs * 1000;
    return this.examine(await this.waitForFresh(report, changedAt, since, deadline), target, since);
  }

  private read(): Promise<Reading> {
    return readTopology(this.o.ui, this.o.context.topology, this.o.context.project.spec, this.o.fromLogs);
  }

  private examine(reading: Reading, target: number | undefined, since?: number): DoctorReport {
    return examine(observationOf(reading, this.o.context.project.spec, since, this.o.cores), this.o.context, { ...this.o.plan, ...(target !== undefined ? { target } : {}) });
  }

  /** Executors and workers through Nimbus; the change takes effect when Nimbus has moved the executors. */
  private async rebalance(report: DoctorReport, deadline: number): Promise<number> {
    const o = planOverrides(report.plan, this.o.context.project.spec);
    const name = this.o.context.topology;
    const nimbus = await this.o.access.nimbus();
    try {
      // No wait_secs, as `squall rebalance` without --wait: Nimbus deactivates for the message timeout first.
      await nimbus.rebalance(name, { numWorkers: o.workers, numExecutors: Object.keys(o.parallelism).length ? o.parallelism : undefined });
      this.o.progress(`Nimbus is rebalancing ${name} (it first waits topology.message.timeout.secs for tuples in flight) …`);
      for (;;) {
        const status = (await nimbus.getClusterInfo()).topologies.find((t) => t.name === name)?.status;
        if (status !== 'REBALANCING') return Date.now();
        if (Date.now() > deadline) throw new Error(`${name} was still rebalancing ${this.o.deadlineSecs}s after the change began; see squall list, and raise --deadline if rebalances take longer here`);
        await sleep(this.pollMs());
      }
    } finally {
      nimbus.close();
    }
  }

  /** Kill, wait until gone, submit with the overrides: `squall submit --force`, run through its own code. */
  private async redeploy(report: DoctorReport): Promise<number> {
    const o = planOverrides(report.plan, this.o.context.project.spec);
    const submitted = await submitProject(
      this.o.access,
      this.o.context.project.path,
      {
        name: this.o.context.topology,
        force: true,
        inactive: false,
        option: o.options,
        parallelism: o.parallelism,
        tasks: o.tasks,
        concurrency: o.concurrency,
        bundleNode: false,
        timeout: this.o.timeoutSecs,
      },
      this.o.submitProgress,
    );
    this.o.progress(describeSubmitted(submitted));
    return Date.now();
  }

  /**
   * Read until the figures describe the topology after the change: measurement lines from the tasks that sent them
   * before (up to the tasks planned), and UI counts from executors the change started. Never past the deadline.
   */
  private async waitForFresh(report: DoctorReport, changedAt: number, since: number, deadline: number): Promise<Reading> {
    const expected = new Map<string, number>();
    for (const c of report.collected.figures.components) {
      const measured = c.taskFigures?.length ?? 0;
      const planned = report.plan.components.find((p) => p.id === c.id)?.tasks.planned ?? c.tasks;
      if (measured > 0) expected.set(c.id, Math.min(measured, planned));
    }
    // A redeploy starts every executor anew; a rebalance those of the components whose executors it changed.
    const moved = report.plan.components.filter((c) => c.executors.planned !== c.executors.now).map((c) => c.id);
    const restarted = new Set(report.plan.redeploy || moved.length === 0 ? report.plan.components.map((c) => c.id) : moved);
    this.o.progress(
      `waiting for figures from after ${clock(since)} (the change, then --settle ${this.o.settleSecs}s), at most until ${clock(deadline)} …`,
    );
    let said = '';
    let saidAt = 0;
    for (;;) {
      let waitingFor: string[];
      try {
        const reading = await this.read();
        const uptimes = new Map([...reading.pages].filter(([id]) => restarted.has(id)).map(([id, page]) => [id, page.executorStats.map((e) => e.uptimeSeconds)]));
        const check = freshness({
          changedAt,
          since,
          now: Date.now(),
          expected,
          lines: reading.lines,
          executorUptimes: uptimes,
          redeployed: report.plan.redeploy,
          topologyUptime: reading.uptimeSecs,
        });
        if (check.fresh) {
          this.o.progress(`fresh figures after ${Math.round((Date.now() - changedAt) / 1000)}s`);
          return reading;
        }
        waitingFor = check.waitingFor;
      } catch (err) {
        // Between a kill and the new submit's first heartbeats the UI may not list the topology, and the worker logs
        // may not be there yet: keep waiting, within the deadline.
        waitingFor = [`the topology to be readable (${(err as Error).message})`];
      }
      const now = Date.now();
      const status = waitingFor.join('; ');
      if (now > deadline) {
        throw new Error(
          `no fresh figures by ${clock(deadline)} (--deadline ${this.o.deadlineSecs}s): still waiting for ${status}. ` +
            'The change stays in place; look at the topology with squall stats and squall tail, or raise --deadline.',
        );
      }
      if (status !== said || now - saidAt >= PROGRESS_EVERY_MS) {
        this.o.progress(`waiting for ${status} (${Math.round((deadline - now) / 1000)}s left)`);
        said = status;
        saidAt = now;
      }
      await sleep(this.pollMs());
    }
  }

  /** Often enough to notice fresh figures within a tenth of the settle time, never more than every 5 s. */
  private pollMs(): number {
    return Math.min(5000, Math.max(200, (this.o.settleSecs * 1000) / 10));
  }
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

