/**
 * `squall doctor`'s output: the figures per component, the findings with their evidence, and the plan with its
 * prediction, in plain words; or the same as JSON for machines. Pure.
 */
import type { Collected } from './collect.js';
import type { Diagnosis } from './findings.js';
import { fixed, ms, percent, SATURATED } from './findings.js';
import type { GraphAnnotations } from '../topology/graph.js';
import type { Plan } from './plan.js';
import { table } from '../format/table.js';

export interface DoctorReport {
  topology: string;
  /** How the CLI reached the cluster, for the command that applies the plan (e.g. `-e prod`); empty locally. */
  target?: string;
  collected: Collected;
  diagnosis: Diagnosis;
  plan: Plan;
}

export function formatDoctor(r: DoctorReport): string {
  const { diagnosis: d, plan: p, collected } = r;
  const lines: string[] = [];
  const latency = collected.figures.completeLatencySecs;
  lines.push(
    `${r.topology}: ${fixed(d.rate)} tuple trees/s` +
      (latency !== null ? `, complete latency ${ms(latency)}` : '') +
      (d.bottleneck ? `; ${d.bottleneck} saturates first, at about ${fixed(d.saturationRate)} trees/s` : ''),
    '',
  );
  lines.push(
    ...table(
      [
        ['component', 'kind', 'tasks', 'tuples/s', 'per tuple', 'cpu', 'busiest task', 'headroom'],
        ...d.components.map((c) => [
        c.id,
        c.kind,
        String(c.tasks),
        fixed(c.ratePerSec),
        c.serviceSecs > 0 ? ms(c.serviceSecs) : '-',
        c.cpuShare === null ? '-' : percent(c.cpuShare),
        percent(c.utilization),
          Number.isFinite(c.headroom) ? `${fixed(c.headroom)}×` : '-',
        ]),
      ],
      { leftColumns: 2 },
    ),
  );
  lines.push('', 'Findings');
  if (d.findings.length === 0) lines.push('  nothing holds this topology back at its current load.');
  for (const f of d.findings) lines.push(`  - ${f.message}`);

  lines.push('', `Plan for ${fixed(p.target)} trees/s, every task at most ${percent(p.utilization)} busy`);
  if (p.unchanged) {
    lines.push('  no change needed.');
  } else {
    for (const c of p.components) {
      const parts: string[] = [];
      if (c.tasks.now !== c.tasks.planned) parts.push(`tasks ${c.tasks.now} → ${c.tasks.planned}`);
      if (c.executors.now !== c.executors.planned) parts.push(`executors ${c.executors.now} → ${c.executors.planned}`);
      if (c.concurrency.now !== c.concurrency.planned) parts.push(`concurrency ${c.concurrency.now} → ${c.concurrency.planned}`);
      if (parts.length) lines.push(`  ${c.id}: ${parts.join(', ')}`);
    }
    if (p.maxSpoutPending.now !== p.maxSpoutPending.planned) lines.push(`  topology.max.spout.pending: ${p.maxSpoutPending.now} → ${p.maxSpoutPending.planned}`);
    if (p.workers.now !== p.workers.planned) lines.push(`  topology.workers: ${p.workers.now} → ${p.workers.planned}`);
  }
  const busiest = [...p.predicted.components].sort((a, b) => b.utilization - a.utilization)[0];
  lines.push(
    `  predicted: ${fixed(p.predicted.rate)} trees/s` +
      (Number.isFinite(p.predicted.completeLatencySecs) ? `, complete latency ${ms(p.predicted.completeLatencySecs)}` : '') +
      (busiest ? `, busiest ${busiest.id} at ${percent(busiest.utilization)}` : '') +
      (Number.isFinite(p.predicted.saturationRate) ? `; it could take up to ${fixed(p.predicted.saturationRate)} trees/s` : ''),
  );
  if (!p.unchanged) {
    lines.push(
      p.redeploy
        ? '  applying it needs a new submit: tasks (one process each) and the topology config are fixed at submit:'
        : '  a rebalance applies it: only executors and workers change:',
      `    ${applyCommand(r)}`,
    );
    for (const c of p.components) {
      if (c.concurrency.now !== c.concurrency.planned) lines.push(`    and set "squall.concurrency": ${c.concurrency.planned} in ${c.id}'s config`);
    }
  }
  for (const caveat of p.caveats) lines.push(`  not fixed by scaling: ${caveat}`);
  if (collected.coarse.length || collected.missing.length) {
    lines.push('', 'Coarse figures');
    for (const c of collected.coarse) lines.push(`  - ${c}`);
    for (const m of collected.missing) lines.push(`  - ${m}: no measurements and no UI counts; taken as idle`);
  }
  return lines.join('\n') + '\n';
}

export function doctorJson(r: DoctorReport): string {
  return JSON.stringify(
    {
      topology: r.topology,
      rate: r.diagnosis.rate,
      bottleneck: r.diagnosis.bottleneck,
      saturationRate: finite(r.diagnosis.saturationRate),
      components: r.diagnosis.components.map((c) => ({ ...c, headroom: finite(c.headroom) })),
      findings: r.diagnosis.findings,
      plan: {
        target: r.plan.target,
        utilization: r.plan.utilization,
        unchanged: r.plan.unchanged,
        redeploy: r.plan.redeploy,
        components: r.plan.components,
        maxSpoutPending: r.plan.maxSpoutPending,
        workers: r.plan.workers,
        caveats: r.plan.caveats,
        command: r.plan.unchanged ? null : applyCommand(r),
        predicted: { ...r.plan.predicted, saturationRate: finite(r.plan.predicted.saturationRate), completeLatencySecs: finite(r.plan.predicted.completeLatencySecs) },
      },
      figures: r.collected.figures,
      coarse: r.collected.coarse,
      missing: r.collected.missing,
    },
    null,
    2,
  ) + '\n';
}

/** The command that carries the plan out (concurrency aside: it lives in each component's config). */
export function applyCommand(r: DoctorReport): string {
  const p = r.plan;
  const where = r.target ? ` ${r.target}` : '';
  const executors = p.components.filter((c) => c.executors.planned !== c.executors.now || c.tasks.planned !== c.tasks.now).map((c) => `-p ${c.id}=${c.executors.planned}`);
  if (!p.redeploy) return [`squall rebalance ${r.topology}${where}`, ...executors, ...(p.workers.planned !== p.workers.now ? [`-w ${p.workers.planned}`] : [])].join(' ');
  const parts = [`squall submit${where} --force`, ...executors];
  for (const c of p.components) if (c.tasks.planned !== c.tasks.now) parts.push(`--tasks ${c.id}=${c.tasks.planned}`);
  if (p.maxSpoutPending.planned !== p.maxSpoutPending.now) parts.push(`-o topology.max.spout.pending=${p.maxSpoutPending.planned}`);
  if (p.workers.planned !== p.workers.now) parts.push(`-o topology.workers=${p.workers.planned}`);
  return parts.join(' ');
}

/** Rates and load drawn on the graph; components at or over SATURATED, or named in a finding, filled. */
export function doctorAnnotations(r: DoctorReport): GraphAnnotations {
  const lines = new Map<string, string[]>();
  for (const c of r.diagnosis.components) lines.set(c.id, [`${fixed(c.ratePerSec)} tuples/s`, `busiest task ${percent(c.utilization)}`]);
  const hot = new Set(r.diagnosis.components.filter((c) => c.utilization >= SATURATED).map((c) => c.id));
  for (const f of r.diagnosis.findings) if (f.component && f.kind !== 'over-provisioned') hot.add(f.component);
  return { lines, hot };
}

/** JSON has no Infinity: an unbounded figure is null. */
function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
