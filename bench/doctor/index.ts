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
import { measureRun } from '../../src/cli/doctor/local.js';
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
  const measured = await measureRun(loaded, specFor(loaded.spec, setup), { settleMs: WARMUP_MS, measureMs: MEASURE_MS });
  return { rate: measured.rate, completeLatencySecs: measured.observation.completeLatencySecs ?? 0, figures: collect(measured.observation).figures };
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

export async function predictions(loaded: LoadedTopology): Promise<void> {
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

async function converge(loaded: LoadedTopology, c: ConvergenceCase, step: (o: Observed, s: Setup) => Setup): Promise<{ changes: number; setup: Setup; rate: number }> {
  let setup = offering(c.start, c.target);
  for (let changes = 0; ; changes++) {
    const o = await observe(loaded, setup);
    if (o.rate >= REACHED * c.target || changes === MAX_CHANGES) return { changes, setup, rate: o.rate };
    setup = step(o, setup);
  }
}

/** Doctor: the model's plan for the target, all components at once. */
function doctorStep(target: number) {
  return (o: Observed, s: Setup): Setup => {
    const p = plan(o.figures, { target });
    const config = { ...s.config };
    for (const c of p.components) if (c.concurrency.planned !== c.concurrency.now) config[c.id] = { ...config[c.id], 'squall.concurrency': c.concurrency.planned };
    return { ...s, tasks: Object.fromEntries(p.components.map((c) => [c.id, c.tasks.planned])), config };
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
  console.log('        case            target/s   doctor: changes slots (fewest) rate/s   dhalion-style: changes slots rate/s');
  for (const c of CONVERGENCE) {
    const fewest = Object.values(c.work).reduce((n, w) => n + Math.ceil((c.target * w.visits * w.ms) / 1000 / 0.7), 0);
    const doctor = await converge(loaded, c, doctorStep(c.target));
    const dhalion = await converge(loaded, c, dhalionStep(c.target));
    const slots = (s: Setup) =>
      Object.entries(s.tasks)
        .filter(([id]) => id !== 'source')
        .reduce((n, [id, t]) => n + t * Number(s.config?.[id]?.['squall.concurrency'] ?? 1), 0);
    console.log(
      `        ${c.name.padEnd(15)} ${String(c.target).padStart(8)}   ${String(doctor.changes).padStart(15)} ${String(slots(doctor.setup)).padStart(5)} (${fewest}) ${doctor.rate.toFixed(0).padStart(6)}` +
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

/** All three parts, as `npm run bench` runs them. */
export async function benchDoctor(): Promise<void> {
  const loaded = await loadFamily();
  await predictions(loaded);
  await convergence(loaded);
  await diagnoses(loaded);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchDoctor();
