/**
 * `squall doctor`'s proof: run the controlled family in ./topology.ts on the embedded runtime, let the model
 * predict another configuration from one run's measurements, run that configuration, and compare.
 *
 * - prediction: throughput at another parallelism (or pending, or concurrency), error per case;
 * - convergence: from an under-provisioned start, the plan's changes until the target rate holds, against a
 *   Dhalion-style baseline that scales only the bottleneck by p / (1 - r) each round;
 * - diagnosis: skew (hot key named, no scale-up), a slow instance (named, no scale-up), a pending limit.
 *
 * Bolts wait on timers, not the CPU, so results do not depend on the machine's cores.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aggregateMetrics, collect } from '../../src/doctor/collect.js';
import type { TopologyFigures } from '../../src/doctor/figures.js';
import { diagnose } from '../../src/doctor/findings.js';
import { predict } from '../../src/doctor/model.js';
import { plan } from '../../src/doctor/plan.js';
import { loadTopology, type LoadedTopology } from '../../src/packaging/load.js';
import { LocalCluster } from '../../src/runtime/local-cluster.js';
import type { TopologySpec } from '../../src/topology/spec.js';
import type { TaskMetrics } from '../../src/wire/metrics-line.js';

const here = dirname(fileURLToPath(import.meta.url));
const WARMUP_MS = Number(process.env.SQUALL_BENCH_DOCTOR_WARMUP_MS ?? 3000);
const MEASURE_MS = Number(process.env.SQUALL_BENCH_DOCTOR_MS ?? 6000);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One configuration of the family. */
export interface Setup {
  tasks: Record<string, number>;
  /** Per-component config (bench.*, squall.concurrency). */
  config?: Record<string, Record<string, unknown>>;
  /** Topology config on top of the family's. */
  conf?: Record<string, unknown>;
}

export interface Observed {
  /** Trees acked per second while measuring. */
  rate: number;
  completeLatencySecs: number;
  figures: TopologyFigures;
}

export function specFor(base: TopologySpec, setup: Setup): TopologySpec {
  return {
    ...base,
    config: { ...base.config, ...setup.conf },
    components: base.components.map((c) => {
      const tasks = setup.tasks[c.id] ?? c.tasks;
      return { ...c, tasks, parallelism: tasks, config: { ...c.config, ...setup.config?.[c.id] } };
    }),
  };
}

export async function observe(loaded: LoadedTopology, setup: Setup): Promise<Observed> {
  const spec = specFor(loaded.spec, setup);
  const lines: TaskMetrics[] = [];
  const cluster = new LocalCluster(spec, {
    squall: { command: process.execPath, script: loaded.bundle },
    resourcesDir: loaded.resourcesDir,
    onMetrics: (m) => lines.push(m),
  });
  await cluster.start();
  await sleep(WARMUP_MS);
  const from = Date.now();
  const before = cluster.summary();
  await sleep(MEASURE_MS);
  const until = Date.now();
  const after = cluster.summary();
  await cluster.stop(2000);
  const spout = (stats: typeof before) => stats.filter((s) => s.kind === 'spout').reduce((a, s) => ({ acked: a.acked + s.acked, failed: a.failed + s.failed, latency: a.latency + s.latencyTotalMs }), { acked: 0, failed: 0, latency: 0 });
  const b = spout(before);
  const a = spout(after);
  const secs = (until - from) / 1000;
  const acked = a.acked - b.acked;
  const completeLatencySecs = acked > 0 ? (a.latency - b.latency) / acked / 1000 : 0;
  const pending = spec.config['topology.max.spout.pending'];
  const { figures } = collect({
    spec,
    maxSpoutPending: typeof pending === 'number' ? pending : null,
    messageTimeoutSecs: Number(spec.config['topology.message.timeout.secs'] ?? 30),
    workers: 1,
    // Whole intervals inside the measuring window: the warm-up's lines would count start-up as work.
    metrics: aggregateMetrics(lines.filter((m) => m.at - m.secs * 1000 >= from - 50 && m.at <= until + 50)),
    completeLatencySecs,
    failedPerSec: (a.failed - b.failed) / secs,
  });
  return { rate: acked / secs, completeLatencySecs, figures };
}

interface PredictionCase {
  name: string;
  from: Setup;
  to: Setup;
}

const A = (ms: number, extra: Record<string, unknown> = {}) => ({ 'bench.service.ms': ms, ...extra });

const PREDICTIONS: PredictionCase[] = [
  { name: 'a 1 -> 2 tasks', from: { tasks: { a: 1, b: 1 }, config: { a: A(4), b: A(1) } }, to: { tasks: { a: 2, b: 1 } } },
  { name: 'a 2 -> 4, b 1 -> 2', from: { tasks: { a: 2, b: 1 }, config: { a: A(4), b: A(2) } }, to: { tasks: { a: 4, b: 2 } } },
  { name: 'a 4 -> 2 (scale down)', from: { tasks: { a: 4, b: 2 }, config: { a: A(4), b: A(1) } }, to: { tasks: { a: 2, b: 2 } } },
  { name: 'fan-out 3: b 1 -> 3', from: { tasks: { a: 1, b: 1 }, config: { a: A(1, { 'bench.fanout': 3 }), b: A(2) } }, to: { tasks: { a: 1, b: 3 } } },
  { name: 'pending 4 -> 32', from: { tasks: { a: 2, b: 1 }, config: { a: A(4), b: A(1) }, conf: { 'topology.max.spout.pending': 4 } }, to: { tasks: { a: 2, b: 1 }, conf: { 'topology.max.spout.pending': 32 } } },
  { name: 'a concurrency 1 -> 4', from: { tasks: { a: 1, b: 2 }, config: { a: A(8), b: A(1) } }, to: { tasks: { a: 1, b: 2 }, config: { a: { 'squall.concurrency': 4 } } } },
];

function merge(from: Setup, to: Setup): Setup {
  const config: Record<string, Record<string, unknown>> = {};
  for (const id of new Set([...Object.keys(from.config ?? {}), ...Object.keys(to.config ?? {})])) config[id] = { ...from.config?.[id], ...to.config?.[id] };
  return { tasks: { ...from.tasks, ...to.tasks }, config, conf: { ...from.conf, ...to.conf } };
}

async function predictions(loaded: LoadedTopology): Promise<void> {
  console.log('doctor  prediction: measure one configuration, predict another, run it');
  console.log('        case                    measured/s  predicted/s  observed/s  error');
  let worst = 0;
  for (const c of PREDICTIONS) {
    const first = await observe(loaded, c.from);
    const target = merge(c.from, c.to);
    const pending = target.conf?.['topology.max.spout.pending'];
    const concurrency = Object.fromEntries(Object.entries(target.config ?? {}).flatMap(([id, conf]) => (conf['squall.concurrency'] ? [[id, Number(conf['squall.concurrency'])]] : [])));
    const predicted = predict(first.figures, { tasks: target.tasks, concurrency, ...(typeof pending === 'number' ? { maxSpoutPending: pending } : {}) });
    const second = await observe(loaded, target);
    const error = Math.abs(predicted.rate - second.rate) / second.rate;
    worst = Math.max(worst, error);
    console.log(
      `        ${c.name.padEnd(22)} ${first.rate.toFixed(0).padStart(11)} ${predicted.rate.toFixed(0).padStart(12)} ${second.rate.toFixed(0).padStart(11)}  ${(error * 100).toFixed(1).padStart(4)}%`,
    );
  }
  console.log(`        worst error ${(worst * 100).toFixed(1)}% (bar: 15% on each case): ${worst <= 0.15 ? 'met' : 'NOT met'}`);
}

export async function loadFamily(): Promise<LoadedTopology> {
  return loadTopology(join(here, '..', '..', '..', 'bench', 'doctor', 'topology.ts'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const loaded = await loadFamily();
  await predictions(loaded);
}
