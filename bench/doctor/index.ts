/**
 * `squall doctor`'s proof: run the controlled family in ./topology.ts on the embedded runtime, let the model
 * predict another configuration from one run's measurements, run that configuration, and compare.
 *
 * - prediction: throughput at another parallelism (or pending, or concurrency), error per case;
 * - convergence: from an under-provisioned start, the plan's changes until the target rate holds, against a
 *   Dhalion-style baseline that scales only the bottleneck by p / (1 - r) each round;
 * - diagnosis: skew (hot key named, no scale-up), a slow instance (named, no scale-up), a pending limit.
 *
 * - cluster cases (issue 19): a CPU-bound bolt on more processes than cores, a synchronous bolt, a saturated
 *   reliable spout, an executor holding several tasks, the UI-only fallback; throughput and latency each.
 *
 * Bolts wait on timers, not the CPU (but for the CPU-bound case), so most results do not depend on the cores.
 */
import { localDashboard } from '../../src/dashboard/local.js';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localCluster } from '../../src/deploy/local.js';
import { maxSpoutPending, messageTimeoutSecs, METRICS_INTERVAL_KEY } from '../../src/config/keys.js';
import { measureRun } from '../../src/doctor/local-deployment.js';
import { bindUiPort, serveLocalUi } from '../../src/runtime/local-ui.js';
import { StormUiClient } from '../../src/ui/client.js';
import { collect } from '../../src/doctor/collect.js';
import type { TopologyFigures } from '../../src/doctor/figures.js';
import { diagnose } from '../../src/doctor/findings.js';
import { predict } from '../../src/doctor/model.js';
import { plan } from '../../src/doctor/plan.js';
import { loadTopology, type LoadedTopology } from '../../src/packaging/load.js';
import type { TopologySpec } from '../../src/topology/spec.js';

const here = dirname(fileURLToPath(import.meta.url));
const WARMUP_MS = Number(process.env.SQUALL_BENCH_DOCTOR_WARMUP_MS ?? 3000);
const MEASURE_MS = Number(process.env.SQUALL_BENCH_DOCTOR_MS ?? 6000);

/** One configuration of the family. */
export interface Setup {
  tasks: Record<string, number>;
  /** Executors per component (default: one per task). */
  executors?: Record<string, number>;
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
      return { ...c, tasks, parallelism: setup.executors?.[c.id] ?? tasks, config: { ...c.config, ...setup.config?.[c.id] } };
    }),
  };
}

export async function observe(loaded: LoadedTopology, setup: Setup): Promise<Observed> {
  const measured = await measureRun(loaded, specFor(loaded.spec, setup), { settleMs: WARMUP_MS, measureMs: MEASURE_MS });
  return { rate: measured.rate, completeLatencySecs: measured.observation.completeLatencySecs ?? 0, figures: collect(measured.observation).figures };
}

/** Predicted against observed, throughput and complete latency, as one bench line; returns the two errors. */
function compareLine(name: string, measured: number, predicted: { rate: number; completeLatencySecs: number }, observed: Observed): { rate: number; latency: number } {
  const rate = Math.abs(predicted.rate - observed.rate) / observed.rate;
  const latency = Number.isFinite(predicted.completeLatencySecs) && observed.completeLatencySecs > 0 ? Math.abs(predicted.completeLatencySecs - observed.completeLatencySecs) / observed.completeLatencySecs : Infinity;
  const msOf = (s: number) => (Number.isFinite(s) ? (s * 1000).toFixed(1) : '-');
  console.log(
    `        ${name.padEnd(26)} ${measured.toFixed(0).padStart(8)} ${predicted.rate.toFixed(0).padStart(9)} ${observed.rate.toFixed(0).padStart(8)} ${(rate * 100).toFixed(1).padStart(5)}%` +
      `   ${msOf(predicted.completeLatencySecs).padStart(8)} ${msOf(observed.completeLatencySecs).padStart(8)} ${(latency * 100).toFixed(1).padStart(5)}%`,
  );
  return { rate, latency };
}

const PREDICTION_HEADER = '        case                       measured/s predicted/s observed/s error   latency predicted/observed ms  error';

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

export async function predictions(loaded: LoadedTopology): Promise<void> {
  console.log('doctor  prediction: measure one configuration, predict another, run it');
  console.log(PREDICTION_HEADER);
  const worst = { rate: 0, latency: 0 };
  for (const c of PREDICTIONS) {
    const first = await observe(loaded, c.from);
    const target = merge(c.from, c.to);
    const pending = target.conf?.['topology.max.spout.pending'];
    const concurrency = Object.fromEntries(Object.entries(target.config ?? {}).flatMap(([id, conf]) => (conf['squall.concurrency'] ? [[id, Number(conf['squall.concurrency'])]] : [])));
    const predicted = predict(first.figures, { tasks: target.tasks, concurrency, ...(typeof pending === 'number' ? { maxSpoutPending: pending } : {}) });
    const second = await observe(loaded, target);
    const e = compareLine(c.name, first.rate, predicted, second);
    worst.rate = Math.max(worst.rate, e.rate);
    worst.latency = Math.max(worst.latency, e.latency);
  }
  barLine(worst);
}

function barLine(worst: { rate: number; latency: number }): void {
  const met = worst.rate <= 0.15 && worst.latency <= 0.25;
  console.log(`        worst error: throughput ${(worst.rate * 100).toFixed(1)}%, latency ${(worst.latency * 100).toFixed(1)}% (bars: 15% and 25% on each case): ${met ? 'met' : 'NOT met'}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Issue 19's cases: what broke on a real cluster, reproduced on the embedded runtime

/**
 * - a CPU-bound bolt on more processes than cores: the prediction respects the cores;
 * - a synchronous bolt: never advised concurrency;
 * - a saturated reliable spout: complete latency by Little's law;
 * - an executor holding several tasks: Storm's load-aware shuffle feeds only its first task; the plan is a rebalance;
 * - the UI-only fallback: no plan predicting less than what runs now.
 * Each prints predicted against observed throughput and complete latency.
 */
export async function clusterCases(loaded: LoadedTopology): Promise<void> {
  const cores = cpus().length;
  console.log(`doctor  cluster cases (issue 19), on the embedded runtime; this machine has ${cores} core(s), shared`);
  console.log(PREDICTION_HEADER);
  const worst = { rate: 0, latency: 0 };
  const note = (e: { rate: number; latency: number }) => {
    worst.rate = Math.max(worst.rate, e.rate);
    worst.latency = Math.max(worst.latency, e.latency);
  };
  const cpuBound = (tasks: number): Setup => ({ tasks: { a: tasks, b: 1 }, config: { a: A(3, { 'bench.cpu': true }), b: A(0.2) }, conf: { 'topology.max.spout.pending': 100 } });

  // CPU-bound, synchronous: measured on 1 task, predicted on more processes than the cores.
  const wide = cores + 2;
  const cpuFirst = await observe(loaded, cpuBound(1));
  const cpuPredicted = predict(cpuFirst.figures, { tasks: { a: wide } });
  note(compareLine(`cpu-bound a 1 -> ${wide} tasks`, cpuFirst.rate, cpuPredicted, await observe(loaded, cpuBound(wide))));
  const cpuPlan = plan(cpuFirst.figures, { target: 4 * cpuFirst.rate });
  const a = cpuPlan.components.find((c) => c.id === 'a')!;
  console.log(
    `        synchronous a: plan for ${(4 * cpuFirst.rate).toFixed(0)}/s gives concurrency ${a.concurrency.planned} (bar: 1), ${a.tasks.planned} tasks; ` +
      `predicted ${cpuPlan.predicted.rate.toFixed(0)}/s, cores allow ${cpuPlan.predicted.coresRate.toFixed(0)}/s: ${a.concurrency.planned === 1 && cpuPlan.predicted.rate <= cpuPlan.predicted.coresRate * 1.0001 ? 'met' : 'NOT met'}`,
  );

  // A saturated reliable spout (always data, pending 50, a at 30 ms the bottleneck): latency is trees in flight
  // over throughput.
  const saturated = (tasks: number): Setup => ({ tasks: { a: tasks, b: 1 }, config: { a: A(30), b: A(0.5) }, conf: { 'topology.max.spout.pending': 50 } });
  const satFirst = await observe(loaded, saturated(1));
  note(compareLine('saturated spout, a 1 -> 2', satFirst.rate, predict(satFirst.figures, { tasks: { a: 2 } }), await observe(loaded, saturated(2))));

  // One executor holding 4 tasks of a: every tuple to its first task; the plan is a rebalance to 4 executors.
  const grouped: Setup = { tasks: { a: 4, b: 1 }, executors: { a: 1 }, config: { a: A(8), b: A(0.5) }, conf: { 'topology.max.spout.pending': 50 } };
  const groupedFirst = await observe(loaded, grouped);
  const shares = groupedFirst.figures.components.find((c) => c.id === 'a')!.taskFigures!.map((t) => t.ratePerSec.toFixed(0)).join('/');
  const spreadPlan = plan(groupedFirst.figures, { target: 1.4 * groupedFirst.rate });
  const finding = diagnose(groupedFirst.figures).findings.some((f) => f.kind === 'uneven-shuffle' && f.component === 'a');
  console.log(`        a: 1 executor, 4 tasks: executed per task ${shares}/s; uneven shuffle ${finding ? 'named' : 'NOT named'}; plan ${spreadPlan.redeploy ? 'a redeploy' : 'a rebalance'}`);
  // The whole plan, as doctor --apply would carry it out.
  const spreadTo: Setup = {
    ...grouped,
    tasks: Object.fromEntries(spreadPlan.components.map((c) => [c.id, c.tasks.planned])),
    executors: Object.fromEntries(spreadPlan.components.map((c) => [c.id, c.executors.planned])),
    conf: { 'topology.max.spout.pending': spreadPlan.maxSpoutPending.planned ?? 50 },
  };
  note(compareLine(`plan: ${spreadPlan.redeploy ? 'redeploy' : 'rebalance'} (a executors ${spreadPlan.components.find((c) => c.id === 'a')!.executors.planned})`, groupedFirst.rate, spreadPlan.predicted, await observe(loaded, spreadTo)));

  // The UI-only fallback: no measurement lines, the UI's counts alone (processLatency with its queueing).
  const uiOnly = await observeThroughUi(loaded, specFor(loaded.spec, saturated(1)));
  const uiPlan = plan(uiOnly.figures, { target: 2 * uiOnly.rate });
  const worse = uiPlan.advice && !uiPlan.unchanged && uiPlan.predicted.rate < uiOnly.rate;
  console.log(
    `        UI counts only: ${uiOnly.rate.toFixed(0)}/s observed; ${uiPlan.advice ? `plan predicts ${uiPlan.predicted.rate.toFixed(0)}/s` : `no plan (${uiPlan.notAdvice})`}; ` +
      `a plan worse than now: ${worse ? 'PRINTED (bar NOT met)' : 'none (met)'}`,
  );
  barLine(worst);
}

/** A run read only as a Storm UI shows it (`squall run --ui`'s counts), with the components' measurements off. */
async function observeThroughUi(loaded: LoadedTopology, spec: TopologySpec): Promise<Observed> {
  const quiet: TopologySpec = { ...spec, config: { ...spec.config, [METRICS_INTERVAL_KEY]: 0 } };
  const cluster = localCluster(loaded, quiet, {});
  await cluster.start();
  const ui = serveLocalUi(cluster, quiet.config, await bindUiPort(0), (url) => localDashboard(cluster.spec, url));
  try {
    await new Promise((resolve) => setTimeout(resolve, WARMUP_MS + MEASURE_MS));
    const client = new StormUiClient(ui.url);
    const { id } = await client.findTopology(quiet.name);
    const stats = await client.topology(id, 600);
    const collected = collect({ spec: quiet, maxSpoutPending: maxSpoutPending(quiet.config), messageTimeoutSecs: messageTimeoutSecs(quiet.config), workers: 1, metrics: [], ui: stats });
    const rate = collected.figures.components.filter((c) => c.kind === 'spout').reduce((n, c) => n + (c.rootRate ?? 0), 0);
    return { rate, completeLatencySecs: collected.figures.completeLatencySecs ?? 0, figures: collected.figures };
  } finally {
    await ui.close();
    await cluster.stop(2000);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Convergence: doctor's plan against a Dhalion-style baseline

interface ConvergenceCase {
  name: string;
  start: Setup;
  /** Root tuples per second the source offers (and the topology must carry). */
  target: number;
  /** Controlled time per tuple (ms) and visits per root tuple: the fewest tasks at 70% busy follow from these. */
  work: Record<string, { ms: number; visits: number }>;
}

const CONVERGENCE: ConvergenceCase[] = [
  { name: 'two stages', start: { tasks: { a: 1, b: 1 }, config: { a: A(4), b: A(2) } }, target: 500, work: { a: { ms: 4, visits: 1 }, b: { ms: 2, visits: 1 } } },
  { name: 'fan-out 3', start: { tasks: { a: 1, b: 1 }, config: { a: A(1, { 'bench.fanout': 3 }), b: A(2) } }, target: 240, work: { a: { ms: 1, visits: 1 }, b: { ms: 2, visits: 3 } } },
  { name: 'balanced stages', start: { tasks: { a: 1, b: 1 }, config: { a: A(4), b: A(4) } }, target: 600, work: { a: { ms: 4, visits: 1 }, b: { ms: 4, visits: 1 } } },
  { name: 'one slow stage', start: { tasks: { a: 1, b: 1 }, config: { a: A(6), b: A(1) } }, target: 400, work: { a: { ms: 6, visits: 1 }, b: { ms: 1, visits: 1 } } },
];

const MAX_CHANGES = 4;
const REACHED = 0.95;

/** Carry the target: the source offers it, and max.spout.pending leaves room for it. */
function offering(setup: Setup, target: number): Setup {
  return { ...setup, config: { ...setup.config, source: { ...setup.config?.source, 'bench.rate': target } }, conf: { 'topology.max.spout.pending': 1000, ...setup.conf } };
}

async function converge(loaded: LoadedTopology, c: ConvergenceCase, step: (o: Observed, s: Setup) => Setup): Promise<{ changes: number; redeploys: number; setup: Setup; rate: number }> {
  let setup = offering(c.start, c.target);
  let redeploys = 0;
  for (let changes = 0; ; changes++) {
    const o = await observe(loaded, setup);
    if (o.rate >= REACHED * c.target || changes === MAX_CHANGES) return { changes, redeploys, setup, rate: o.rate };
    const next = step(o, setup);
    // Tasks or config changed: a kill and a new submit on a cluster; executors alone: a rebalance.
    if (JSON.stringify(next.tasks) !== JSON.stringify(setup.tasks) || JSON.stringify(next.config) !== JSON.stringify(setup.config) || JSON.stringify(next.conf) !== JSON.stringify(setup.conf)) redeploys++;
    setup = next;
  }
}

/** Doctor: the model's plan for the target, all components at once. */
function doctorStep(target: number) {
  return (o: Observed, s: Setup): Setup => {
    const p = plan(o.figures, { target });
    const config = { ...s.config };
    for (const c of p.components) if (c.concurrency.planned !== c.concurrency.now) config[c.id] = { ...config[c.id], 'squall.concurrency': c.concurrency.planned };
    const conf = p.maxSpoutPending.planned !== p.maxSpoutPending.now ? { ...s.conf, 'topology.max.spout.pending': p.maxSpoutPending.planned } : s.conf;
    return {
      ...s,
      tasks: Object.fromEntries(p.components.map((c) => [c.id, c.tasks.planned])),
      executors: Object.fromEntries(p.components.map((c) => [c.id, c.executors.planned])),
      config,
      ...(conf ? { conf } : {}),
    };
  };
}

/** Dhalion-style: find the bottleneck (the busiest component), scale it alone by p / (1 - r), r the missing share. */
function dhalionStep(target: number) {
  return (o: Observed, s: Setup): Setup => {
    const d = diagnose(o.figures);
    const busiest = [...d.components].filter((c) => c.kind === 'bolt').sort((x, y) => y.utilization - x.utilization)[0]!;
    const r = Math.min(0.9, Math.max(0, 1 - o.rate / target));
    const p = s.tasks[busiest.id] ?? 1;
    return { ...s, tasks: { ...s.tasks, [busiest.id]: Math.max(p + 1, Math.ceil(p / (1 - r))) } };
  };
}

export async function convergence(loaded: LoadedTopology): Promise<void> {
  console.log('doctor  convergence: under-provisioned start, the source offering the target; changes until it is carried');
  console.log('        (slots: tuples worked on at once over all bolt tasks, i.e. tasks x concurrency; fewest: at 70% busy, from the set times)');
  console.log('        case            target/s   doctor: changes redeploys slots (fewest) rate/s   dhalion-style: changes slots rate/s');
  for (const c of CONVERGENCE) {
    const fewest = Object.values(c.work).reduce((n, w) => n + Math.ceil((c.target * w.visits * w.ms) / 1000 / 0.7), 0);
    const doctor = await converge(loaded, c, doctorStep(c.target));
    const dhalion = await converge(loaded, c, dhalionStep(c.target));
    const slots = (s: Setup) =>
      Object.entries(s.tasks)
        .filter(([id]) => id !== 'source')
        .reduce((n, [id, t]) => n + t * Number(s.config?.[id]?.['squall.concurrency'] ?? 1), 0);
    console.log(
      `        ${c.name.padEnd(15)} ${String(c.target).padStart(8)}   ${String(doctor.changes).padStart(15)} ${String(doctor.redeploys).padStart(9)} ${String(slots(doctor.setup)).padStart(5)} (${fewest}) ${doctor.rate.toFixed(0).padStart(6)}` +
        `   ${String(dhalion.changes).padStart(21)} ${String(slots(dhalion.setup)).padStart(5)} ${dhalion.rate.toFixed(0).padStart(6)}` +
        (doctor.rate < REACHED * c.target || doctor.changes > 2 ? '   doctor did NOT reach the target in 2 changes' : slots(doctor.setup) > 1.2 * fewest ? '   doctor over 1.2x the fewest' : ''),
    );
  }
  console.log('        bars: doctor reaches the target in <= 2 changes with <= 1.2x the fewest slots (noted on a row when missed)');
}

// ---------------------------------------------------------------------------------------------------------------
// Diagnosis: what scaling does not fix

export async function diagnoses(loaded: LoadedTopology): Promise<void> {
  console.log('doctor  diagnosis');
  const report = (name: string, o: Observed, expected: string, ok: boolean, detail: string) =>
    console.log(`        ${name.padEnd(15)} ${ok ? 'found' : 'NOT found'}: ${expected}; ${detail}`);

  const skewed = offering({ tasks: { a: 1, b: 2 }, config: { a: A(1), b: A(2), source: { 'bench.hot.share': 0.7 } } }, 300);
  let o = await observe(loaded, skewed);
  let d = diagnose(o.figures);
  const skew = d.findings.find((f) => f.kind === 'skew' && f.component === 'b');
  const skewPlan = plan(o.figures, { target: 300 }).components.find((c) => c.id === 'b')!;
  report('skew', o, 'skew on b with hot key "hot", no scale-up', !!skew && /"hot"/.test(skew.message) && skewPlan.tasks.planned <= 2, skew?.message ?? '-');

  const slow = offering({ tasks: { a: 3, b: 1 }, config: { a: A(2, { 'bench.slow.factor': 4 }), b: A(1) } }, 300);
  o = await observe(loaded, slow);
  d = diagnose(o.figures);
  const instance = d.findings.find((f) => f.kind === 'slow-instance' && f.component === 'a');
  const slowPlan = plan(o.figures, { target: 300 }).components.find((c) => c.id === 'a')!;
  report('slow instance', o, 'the lowest task of a named, no scale-up', !!instance && slowPlan.tasks.planned <= 3, instance?.message ?? '-');

  o = await observe(loaded, { tasks: { a: 2, b: 1 }, config: { a: A(4), b: A(1) }, conf: { 'topology.max.spout.pending': 2 } });
  d = diagnose(o.figures);
  const pending = d.findings.find((f) => f.kind === 'pending-limit');
  report('pending limit', o, 'max.spout.pending named as the limit', !!pending, pending?.message ?? '-');
}

export async function loadFamily(): Promise<LoadedTopology> {
  return loadTopology(join(here, '..', '..', '..', 'bench', 'doctor', 'topology.ts'));
}

/** All parts, as `npm run bench` runs them; SQUALL_BENCH_DOCTOR_PART=cluster (or predictions, convergence, diagnosis) runs one. */
export async function benchDoctor(): Promise<void> {
  const loaded = await loadFamily();
  const part = process.env.SQUALL_BENCH_DOCTOR_PART;
  if (part) {
    const parts: Record<string, (l: LoadedTopology) => Promise<void>> = { predictions, cluster: clusterCases, convergence, diagnosis: diagnoses };
    if (!parts[part]) throw new Error(`SQUALL_BENCH_DOCTOR_PART=${part}: choose one of ${Object.keys(parts).join(', ')}`);
    return parts[part]!(loaded);
  }
  await predictions(loaded);
  await clusterCases(loaded);
  await convergence(loaded);
  await diagnoses(loaded);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchDoctor();
