import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import ndjson from 'ndjson';
import type { Command } from 'commander';
import type { AccessOptions } from '../../cluster/access.js';
import { withCluster } from '../../cluster/access.js';
import { aggregateMetrics, collect, newestPerTask, type Observation } from '../../doctor/collect.js';
import { readMetricLines } from '../../cluster/worker-logs.js';
import type { TaskMetrics } from '../../wire/metrics-line.js';
import { diagnose } from '../../doctor/findings.js';
import { plan } from '../../doctor/plan.js';
import { doctorAnnotations, doctorJson, formatDoctor, type DoctorReport } from '../../doctor/report.js';
import { toDot } from '../../topology/graph.js';
import type { TopologySpec } from '../../topology/spec.js';
import { StormUiClient } from '../../ui/client.js';
import { addClusterOptions } from '../cluster-options.js';
import { positiveNumber } from '../options.js';
import { loadTopology } from '../../packaging/load.js';

interface DoctorOptions extends AccessOptions {
  ui?: string;
  target?: number;
  utilization: number;
  json: boolean;
  dot: boolean;
  record?: string;
  topology: string;
}

export function registerDoctor(program: Command): void {
  addClusterOptions(
    program
      .command('doctor')
      .argument('[name]', "running topology (default: the project topology's name)")
      .description('what holds a running topology back, and the parallelism it needs, predicted before you change it')
      .option('--topology <path>', "the topology's project folder or file, for its groupings", '.')
      .option('--ui <url>', 'read this Storm UI (e.g. a local `squall run --ui`) instead of the environment’s')
      .option('--target <rate>', 'tuple trees per second to plan for (default: twice the current rate)', positiveNumber)
      .option('--utilization <0-1>', 'how busy the plan lets any task be', utilizationOption, 0.7)
      .option('--json', 'print JSON for machines', false)
      .option('--dot', 'print the topology as Graphviz DOT with rates and how busy each component is', false)
      .option('--record <file>', 'append this observation to FILE as one NDJSON record'),
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

Examples:
  squall run --ui 8080 --time 120 &  squall doctor --ui http://127.0.0.1:8080
  squall doctor wordcount -e prod --target 6000
  squall doctor --json --record observations.ndjson
`,
    )
    .action(async (name: string | undefined, options: DoctorOptions) => {
      const project = await projectTopology(options.topology);
      if (options.json && options.dot) throw new Error('choose one of --json and --dot');
      const topology = name ?? project.name;
      const observe = async (ui: StormUiClient, fromLogs?: () => Promise<TaskMetrics[]>): Promise<DoctorReport> => {
        const collected = collect(await observation(ui, topology, project, fromLogs));
        const diagnosis = diagnose(collected.figures);
        const planned = plan(collected.figures, { ...(options.target !== undefined ? { target: options.target } : {}), utilization: options.utilization }, diagnosis);
        const target = options.ui ? '' : options.environment ? `-e ${options.environment}` : options.nimbus ? `--nimbus ${options.nimbus}` : '';
        return { topology, target, collected, diagnosis, plan: planned };
      };
      const timeoutMs = (options.timeout ?? 10) * 1000;
      const report = options.ui
        ? await observe(new StormUiClient(options.ui, { timeoutMs }))
        : await withCluster(options, async (access) => {
            // On a cluster the measurements are in the worker logs, read over SSH when the environment allows it.
            const fromLogs = access.env?.user || access.env?.workers ? async () => (await readMetricLines(access, topology)).metrics : undefined;
            return observe(new StormUiClient(await access.uiBaseUrl(), { timeoutMs }), fromLogs);
          });
      if (options.record) await appendRecord(options.record, report);
      process.stdout.write(options.json ? doctorJson(report) : options.dot ? toDot(project, doctorAnnotations(report)) : formatDoctor(report));
    });
}

/** What the UI and the components' measurements say about the running topology. */
async function observation(ui: StormUiClient, name: string, spec: TopologySpec, fromLogs?: () => Promise<TaskMetrics[]>): Promise<Observation> {
  const { id } = await ui.findTopology(name);
  const stats = await ui.topology(id, 600);
  const conf = { ...spec.config, ...stats.configuration };
  // Where each task runs, to name a slow instance: a component page the UI cannot give only loses the names.
  const pages = await Promise.all(spec.components.map((c) => ui.component(id, c.id, 600).catch(() => null)));
  const hosts = new Map<number, string>();
  for (const page of pages) {
    for (const e of page?.executorStats ?? []) {
      if (e.firstTask === null || e.lastTask === null) continue;
      for (let task = e.firstTask; task <= e.lastTask; task++) hosts.set(task, `${e.host}${e.port === null ? '' : `:${e.port}`}`);
    }
  }
  const pending = conf['topology.max.spout.pending'];
  return {
    spec,
    maxSpoutPending: typeof pending === 'number' && pending > 0 ? pending : null,
    messageTimeoutSecs: Number(conf['topology.message.timeout.secs'] ?? 30),
    workers: Number(conf['topology.workers'] ?? stats.workers ?? 1),
    metrics: (await ui.squallMetrics(id)) ?? recent(fromLogs ? await fromLogs() : []),
    ui: stats,
    hosts,
  };
}

/** Intervals per task a report covers: five minutes at the default interval of 60 s. */
const RECENT_INTERVALS = 5;

/** Each task's last few measurement lines, added up: a steadier figure than one interval. */
function recent(lines: TaskMetrics[]): TaskMetrics[] {
  return aggregateMetrics(newestPerTask(lines, RECENT_INTERVALS));
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

/** The project's topology: its graph says where tuples go, which the UI does not. */
async function projectTopology(target: string): Promise<TopologySpec> {
  try {
    return (await loadTopology(target)).spec;
  } catch (err) {
    throw new Error(`squall doctor needs the topology's project for its groupings: run it in the project folder or pass --topology PATH (${(err as Error).message})`);
  }
}

function utilizationOption(raw: string): number {
  const n = Number(raw);
  if (!(n > 0 && n < 1)) throw new Error(`--utilization takes a fraction between 0 and 1 (e.g. 0.7), got "${raw}"`);
  return n;
}
