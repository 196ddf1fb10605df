import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import ndjson from 'ndjson';
import { Option, type Command } from 'commander';
import type { AccessOptions } from '../../cluster/access.js';
import { withCluster } from '../../cluster/access.js';
import { metricLinesReader } from '../../cluster/worker-logs.js';
import { applyPlan, exitStatus, type ApplyResult, type Deployment } from '../../doctor/apply.js';
import { examine } from '../../doctor/examine.js';
import type { PlanOptions } from '../../doctor/plan.js';
import { applyJson, formatApply } from '../../doctor/apply-report.js';
import { doctorAnnotations, doctorJson, formatDoctor, type DoctorReport } from '../../doctor/report.js';
import { withTopology, type LoadedTopology } from '../../packaging/load.js';
import { toDot } from '../../topology/graph.js';
import type { TopologySpec } from '../../topology/spec.js';
import { StormUiClient } from '../../ui/client.js';
import type { TaskMetrics } from '../../wire/metrics-line.js';
import { METRICS_INTERVAL_KEY } from '../../config/keys.js';
import { addClusterOptions, addOverrideOptions, type OverrideOptions } from '../cluster-options.js';
import { ClusterDoctor } from '../../doctor/cluster-deployment.js';
import { LocalDoctor } from '../../doctor/local-deployment.js';
import { observationOf, readTopology, servedTopology } from '../../doctor/read.js';
import { positiveNumber, positiveRate } from '../options.js';
import { GROUPINGS_PROJECT, jsonOption, READ_UI, runningTopologyCommand, targetFlags } from '../shared-options.js';
import { needsProject, projectTopology } from '../target-topology.js';
import { printNote, printStep, stderrSubmitProgress } from '../progress.js';
import { loadForRun } from '../../deploy/local.js';

interface DoctorOptions extends AccessOptions, OverrideOptions {
  ui?: string;
  run?: string | true;
  apply: boolean;
  target?: number;
  utilization: number;
  settle?: number;
  measure?: number;
  deadline?: number;
  json: boolean;
  dot: boolean;
  record?: string;
  topology: string;
}

/**
 * The supervisors' CPU cores, which bound doctor's predictions: from the UI's supervisor summary (a cluster's declared
 * supervisor.cpu.capacity, or this machine's cores from `squall run --ui`). Unknown when the UI does not say: then
 * nothing bounds the plan by cores, and observationOf falls back to this machine's for a local run.
 */
async function supervisorCores(ui: StormUiClient): Promise<number | undefined> {
  const cores = await ui.supervisorCores().catch(() => null);
  return cores && cores.totalCores > 0 ? cores.totalCores : undefined;
}

/** Seconds after a change before a cluster's figures count: squall's lines and Storm's stats come every 60 s. */
const CLUSTER_SETTLE_SECS = 120;
/** A cluster's fresh figures must arrive within the settle time plus this. */
const CLUSTER_DEADLINE_EXTRA_SECS = 600;
/** A run doctor starts: seconds to settle, seconds to measure, and how often components send measurements. */
const RUN_SETTLE_SECS = 3;
const RUN_MEASURE_SECS = 10;
const RUN_METRICS_INTERVAL_SECS = 1;

export function registerDoctor(program: Command): void {
  addClusterOptions(
    addOverrideOptions(
    runningTopologyCommand(program, 'doctor', 'what holds a running topology back, and the parallelism it needs, predicted before you change it')
      .option(...GROUPINGS_PROJECT)
      .option(...READ_UI)
      .addOption(
        new Option('--run [project]', 'start the topology of PROJECT (default: --topology) here on the embedded runtime, and measure it')
          // It starts the topology here: no UI or cluster to read, and no change to wait for.
          .conflicts(['ui', 'environment', 'nimbus', 'deadline']),
      )
      .option('--apply', 'carry the plan out, measure again and compare; at most 2 changes (see below)', false)
      .option('--target <rate>', 'tuple trees per second to plan for (default: twice the current rate, or a growing backlog\'s arrival rate if more)', positiveRate)
      .option('--utilization <0-1>', 'how busy the plan lets any task be', utilizationOption, 0.7)
      .option('--settle <secs>', `seconds after a change or start before figures count (default: ${CLUSTER_SETTLE_SECS}; ${RUN_SETTLE_SECS} with --run)`, secondsOption)
      .option('--deadline <secs>', `--apply on a cluster: give up when fresh figures take longer after a change (default: settle + ${CLUSTER_DEADLINE_EXTRA_SECS})`, positiveNumber)
      .option('--measure <secs>', `--run: seconds each run is measured for, after --settle (default: ${RUN_MEASURE_SECS})`, positiveNumber),
      { scope: '--run: ' },
    )
      .addOption(jsonOption().conflicts('dot'))
      // --dot draws one observation, --apply makes several.
      .addOption(new Option('--dot', 'print the topology as Graphviz DOT with rates and how busy each component is').default(false).conflicts('apply'))
      .option('--record <file>', 'append each observation to FILE as one NDJSON record'),
  )
    .addHelpText(
      'after',
      `
Run it in the topology's project: the topology's graph gives the groupings. squall components measure themselves
(time and CPU per tuple, emits per stream, hot keys) and send a line every squall.metrics.interval.secs; a local
\`squall run --ui\` serves those lines to doctor directly, and on a cluster doctor reads the last ones from the
worker logs over SSH (as squall tail does). Where there are none, the Storm UI's counts stand in, and the report
says which figures are coarser and why.

Each finding comes with its evidence; the plan gives tasks, executors, concurrency and max.spout.pending for the
target with every task at most --utilization busy, and the throughput and latency the model predicts for it.

--apply carries the plan out, then waits for figures from after the change and compares them with the
prediction, at most 2 times, stopping once the target holds. On a cluster (-e, --nimbus) a change of executors
and workers is a rebalance; anything else a redeploy (submit --force with -p, --tasks, --concurrency, -o).
Figures count once their measurement interval began --settle seconds after the change and the UI's executors
restarted; past --deadline doctor stops, leaving the change in place. --run starts the topology here instead
(squall run, with -p/--tasks/--concurrency/-o), measures it for --measure seconds after --settle, and with
--apply runs it again with each plan. Nothing is changed while a hot key or a slow instance holds the topology
back: scaling fixes neither. Exit status: 0 when the target holds or nothing needs changing, 2 when doctor
stopped short (after 2 changes, or for a hot key or slow instance), 1 on errors.

Examples:
  squall run --ui 8080 --time 120 &  squall doctor --ui http://127.0.0.1:8080
  squall doctor wordcount -e prod --target 6000
  squall doctor wordcount -e prod --target 6000 --apply
  squall doctor --run topologies/wordcount.ts --target 2000 --apply
  squall doctor --json --record observations.ndjson
`,
    )
    .action(async (name: string | undefined, options: DoctorOptions) => {
      refuseCombinations(name, options);
      process.exitCode = options.run !== undefined ? await doctorRun(options) : await doctorRunning(name, options);
    });
}

/** A topology that runs already: read from a Storm UI (a cluster's, or `squall run --ui`). */
async function doctorRunning(name: string | undefined, options: DoctorOptions): Promise<number> {
  const timeoutMs = (options.timeout ?? 10) * 1000;
  // A `squall run --ui` serves its topology's graph: with --ui, doctor needs no project when it is not at hand.
  const served = options.ui && options.topology === '.' ? await projectOrServed(options.ui, timeoutMs) : null;
  const project = served?.spec ?? (await projectTopology(options.topology, 'doctor'));
  const path = served?.served ? 'PROJECT' : options.topology;
  const topology = name ?? project.name;
  const context = { topology, target: targetFlags(options), project: { path, spec: project } };
  const once = async (ui: StormUiClient, fromLogs?: () => Promise<TaskMetrics[]>): Promise<DoctorReport> => {
    const reading = await readTopology(ui, topology, project, fromLogs);
    // A UI that serves the measurements is a `squall run --ui`: its plan is applied by running again, not by submit.
    const local = reading.latestOnly ? { local: { options: {} } } : {};
    return examine(observationOf(reading, project, undefined, await supervisorCores(ui)), { ...context, ...local }, planOptions(options));
  };
  if (options.ui) return print(await once(new StormUiClient(options.ui, { timeoutMs })), options, project);
  return withCluster(options, async (access) => {
    // On a cluster the measurements are in the worker logs, read over SSH when the environment allows it.
    const fromLogs = metricLinesReader(access, topology);
    const ui = new StormUiClient(await access.uiBaseUrl(), { timeoutMs });
    if (!options.apply) return print(await once(ui, fromLogs), options, project);
    const settleSecs = options.settle ?? CLUSTER_SETTLE_SECS;
    const cores = await supervisorCores(ui);
    const deployment = new ClusterDoctor({
      access,
      ui,
      ...(fromLogs ? { fromLogs } : {}),
      ...(cores !== undefined ? { cores } : {}),
      context,
      plan: planOptions(options),
      settleSecs,
      deadlineSecs: options.deadline ?? settleSecs + CLUSTER_DEADLINE_EXTRA_SECS,
      timeoutSecs: options.timeout ?? 10,
      progress: printNote,
      submitProgress: stderrSubmitProgress(),
    });
    return printApplied(await apply(deployment, options), options);
  });
}

/** `--run`: doctor starts the topology on the embedded runtime, and with --apply starts it again per change. */
async function doctorRun(options: DoctorOptions): Promise<number> {
  // Ctrl-C: exit through process.exit, whose hooks stop the component processes and remove the bundle.
  const interrupt = () => process.exit(130);
  process.once('SIGINT', interrupt);
  let loaded: LoadedTopology | undefined;
  try {
    const path = typeof options.run === 'string' ? options.run : options.topology;
    // Short measurement intervals, so a run of seconds has whole intervals to measure (an explicit -o still wins).
    const sources = {
      commandLine: { [METRICS_INTERVAL_KEY]: RUN_METRICS_INTERVAL_SECS, ...options.option },
      parallelism: options.parallelism,
      tasks: options.tasks,
      concurrency: options.concurrency,
    };
    loaded = await loadForRun(path, sources, undefined, { onStep: printStep, onNote: printNote });
    const doctor = new LocalDoctor({
      loaded,
      path,
      sources,
      userOptions: options.option,
      plan: planOptions(options),
      settleSecs: options.settle ?? RUN_SETTLE_SECS,
      measureSecs: options.measure ?? RUN_MEASURE_SECS,
      progress: printNote,
    });
    if (!options.apply) {
      return print(await doctor.observe(options.target), options, loaded.spec);
    }
    return printApplied(await apply(doctor, options), options);
  } finally {
    loaded?.release();
    process.removeListener('SIGINT', interrupt);
  }
}

function apply(deployment: Deployment, options: DoctorOptions): Promise<ApplyResult> {
  return applyPlan(deployment, {
    ...(options.target !== undefined ? { target: options.target } : {}),
    ...(options.record ? { onObservation: (r: DoctorReport) => appendRecord(options.record!, r) } : {}),
    progress: printNote,
  });
}

/** One observation: recorded (--record), then printed as text, JSON or DOT. */
async function print(report: DoctorReport, options: DoctorOptions, spec: TopologySpec): Promise<number> {
  if (options.record) await appendRecord(options.record, report);
  process.stdout.write(options.json ? doctorJson(report) : options.dot ? toDot(asObserved(spec, report), doctorAnnotations(report)) : formatDoctor(report));
  return 0;
}

/**
 * The graph as it ran when observed: executors and tasks from the observation (a cluster's UI, or the local run),
 * not the project's declared parallelism, which a rebalance or `-p`/`--tasks` at submit may have changed.
 */
function asObserved(spec: TopologySpec, report: DoctorReport): TopologySpec {
  const observed = new Map(report.collected.figures.components.map((c) => [c.id, c]));
  return {
    ...spec,
    components: spec.components.map((c) => {
      const o = observed.get(c.id);
      return o ? { ...c, parallelism: o.executors, tasks: o.tasks } : c;
    }),
  };
}

function printApplied(result: ApplyResult, options: DoctorOptions): number {
  process.stdout.write(options.json ? applyJson(result) : formatApply(result));
  if (options.json) printNote(result.message);
  return exitStatus(result.outcome);
}

function planOptions(options: DoctorOptions): PlanOptions {
  return { ...(options.target !== undefined ? { target: options.target } : {}), utilization: options.utilization };
}

/** Options that do not go together, refused before anything is read or started. */
function refuseCombinations(name: string | undefined, o: DoctorOptions): void {
  // --json with --dot, --dot with --apply, --run with --ui, -e, --nimbus or --deadline: commander refuses them
  // (Option.conflicts, at the options). What it cannot say is here.
  const local = o.run !== undefined;
  if (local && name) throw new Error(`--run runs the project's topology: leave out "${name}" (give the project as --run PATH)`);
  if (o.apply && o.ui) {
    throw new Error('--apply cannot restart a run doctor did not start: use squall doctor --run --apply (doctor starts the run and restarts it per plan), or -e ENV for a cluster');
  }
  const runOnly = [
    ['-o', Object.keys(o.option).length],
    ['-p', Object.keys(o.parallelism).length],
    ['--tasks', Object.keys(o.tasks).length],
    ['--concurrency', Object.keys(o.concurrency).length],
    ['--measure', o.measure !== undefined ? 1 : 0],
  ] as const;
  const given = runOnly.filter(([, n]) => n > 0).map(([flag]) => flag);
  if (!local && given.length) throw new Error(`${given.join(', ')} set up the run doctor starts with --run; for a running topology doctor plans them for you`);
  if (o.deadline !== undefined && !o.apply) throw new Error('--deadline bounds the wait after a change: give it with --apply');
}

/** Append one NDJSON record: when, what was observed, and what the model made of it. */
async function appendRecord(file: string, r: DoctorReport): Promise<void> {
  const out = ndjson.stringify();
  const sink = createWriteStream(file, { flags: 'a' });
  out.pipe(sink);
  out.end({
    at: new Date().toISOString(),
    topology: r.topology,
    rate: r.diagnosis.rate,
    bottleneck: r.diagnosis.bottleneck,
    findings: r.diagnosis.findings.map((f) => f.kind),
    figures: r.collected.figures,
    plan: { target: r.plan.target, change: r.plan.change, predictedRate: r.plan.predicted.rate },
  });
  await finished(sink);
}

/** The project here, or else the topology a `squall run --ui` at `url` serves. */
async function projectOrServed(url: string, timeoutMs: number): Promise<{ spec: TopologySpec; served: boolean } | null> {
  try {
    return { spec: await withTopology('.', {}, ({ spec }) => spec), served: false };
  } catch (err) {
    const spec = await servedTopology(new StormUiClient(url, { timeoutMs }));
    if (spec) return { spec, served: true };
    throw needsProject('doctor', `${(err as Error).message}; ${url} serves no topology graph, as only squall run --ui does`);
  }
}

function utilizationOption(raw: string): number {
  const n = Number(raw);
  if (!(n > 0 && n < 1)) throw new Error(`--utilization takes a fraction between 0 and 1 (e.g. 0.7), got "${raw}"`);
  return n;
}

function secondsOption(raw: string): number {
  const n = Number(raw);
  if (!(n >= 0) || raw.trim() === '') throw new Error(`--settle takes seconds, 0 or more (e.g. 120), got "${raw}"`);
  return n;
}
