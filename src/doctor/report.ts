/**
 * `squall doctor`'s output: the figures per component, the findings with their evidence, and the plan with its
 * prediction, in plain words; or the same as JSON for machines. Pure.
 */
import type { Collected } from './collect.js';
import type { Diagnosis } from './findings.js';
import type { SourceFigures } from './figures.js';
import { fixed, ms, percent, SATURATED } from './findings.js';
import type { GraphAnnotations } from '../topology/graph.js';
import type { Plan } from './plan.js';
import { planOverrides, type PlanOverrides } from './plan.js';
import type { TopologySpec } from '../topology/spec.js';
import { table } from '../format/table.js';

export interface DoctorReport {
  topology: string;
  /** How the CLI reached the cluster, for the command that applies the plan (e.g. `-e prod`); empty locally. */
  target?: string;
  /**
   * The project the topology comes from, as given (`--topology`) and as on disk: a redeploy starts from it, so the
   * command names whatever runs otherwise.
   */
  project?: { path: string; spec: TopologySpec };
  /** A run doctor started itself (`--run`): the plan is applied by running again, with these `-o` kept. */
  local?: { options: Record<string, unknown> };
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
  const sources = collected.figures.components.filter((c) => c.source);
  if (sources.length) {
    lines.push('', 'Sources');
    for (const c of sources) lines.push(`  ${c.id}: ${sourceLine(c.source!)}`);
  }
  lines.push('', 'Findings');
  if (d.findings.length === 0) lines.push('  nothing holds this topology back at its current load.');
  for (const f of d.findings) lines.push(`  - ${f.message}`);

  lines.push('', `Plan for ${fixed(p.target)} trees/s, every task at most ${percent(p.utilization)} busy`);
  if (p.met) {
    lines.push(`  target already met: ${fixed(d.rate)} trees/s observed for a target of ${fixed(p.target)}; no change.`);
  } else if (!p.advice) {
    lines.push(`  no plan: ${p.notAdvice}`);
  } else {
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
    const held = p.predicted.limitedBy === 'sources' ? '' : p.predicted.limitedBy === 'cores' ? ' (the cores are the limit)' : ' (every allowed tree in flight)';
    lines.push(
      `  predicted: ${fixed(p.predicted.rate)} trees/s${held}` +
        (Number.isFinite(p.predicted.completeLatencySecs) ? `, complete latency ${ms(p.predicted.completeLatencySecs)}` : '') +
        (busiest ? `, busiest ${busiest.id} at ${percent(busiest.utilization)}` : '') +
        (Number.isFinite(p.predicted.saturationRate) ? `; it could take up to ${fixed(Math.min(p.predicted.saturationRate, p.predicted.coresRate))} trees/s` : ''),
    );
    if (!p.unchanged) {
      lines.push(
        r.local
          ? '  a run with these overrides applies it (squall doctor --run --apply does, and measures again):'
          : p.redeploy
            ? '  applying it needs a new submit: tasks (one process each) and the topology config are fixed at submit:'
            : '  a rebalance applies it: only executors and workers change:',
        `    ${applyCommand(r)}`,
      );
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

/** A spout's source in one line: the backlog gauges, then what the spout did with it per second. */
function sourceLine(s: SourceFigures): string {
  const growth = s.lagGrowthPerSec === null ? '' : ` (${s.lagGrowthPerSec >= 0 ? '+' : ''}${fixed(s.lagGrowthPerSec)}/s)`;
  return (
    `${s.kind} "${s.name}": lag ${s.lag ?? 'unknown'}${growth}, pending ${s.pending ?? 'unknown'}; ` +
    `read ${fixed(s.readPerSec)}/s, replayed ${fixed(s.replayedPerSec)}/s, claimed ${fixed(s.claimedPerSec)}/s, ` +
    `dead-lettered ${s.deadLettered} in ${Math.round(s.windowSecs)} s`
  );
}

export function doctorJson(r: DoctorReport): string {
  return JSON.stringify(doctorObject(r), null, 2) + '\n';
}

/** The report as plain JSON values (what `--json` prints, and each step of `--apply` carries). */
export function doctorObject(r: DoctorReport): Record<string, unknown> {
  return {
    topology: r.topology,
    rate: r.diagnosis.rate,
    bottleneck: r.diagnosis.bottleneck,
    saturationRate: finite(r.diagnosis.saturationRate),
    coresRate: finite(r.diagnosis.coresRate),
    unreliable: r.diagnosis.unreliable,
    components: r.diagnosis.components.map((c) => ({ ...c, headroom: finite(c.headroom) })),
    findings: r.diagnosis.findings,
    plan: {
      target: r.plan.target,
      utilization: r.plan.utilization,
      unchanged: r.plan.unchanged,
      met: r.plan.met,
      advice: r.plan.advice,
      ...(r.plan.notAdvice ? { notAdvice: r.plan.notAdvice } : {}),
      redeploy: r.plan.redeploy,
      components: r.plan.components,
      maxSpoutPending: r.plan.maxSpoutPending,
      workers: r.plan.workers,
      caveats: r.plan.caveats,
      command: r.plan.unchanged || !r.plan.advice ? null : applyCommand(r),
      predicted: {
        ...r.plan.predicted,
        saturationRate: finite(r.plan.predicted.saturationRate),
        coresRate: finite(r.plan.predicted.coresRate),
        completeLatencySecs: finite(r.plan.predicted.completeLatencySecs),
      },
    },
    figures: r.collected.figures,
    coarse: r.collected.coarse,
    missing: r.collected.missing,
  };
}

/**
 * The command that carries the plan out, built from the same overrides `--apply` uses: `squall rebalance` when
 * executors and workers suffice, otherwise `squall submit --force` (or, for a run doctor started, `squall run`).
 */
export function applyCommand(r: DoctorReport): string {
  const p = r.plan;
  const where = r.target ? ` ${r.target}` : '';
  const path = r.project && r.project.path !== '.' ? ` ${r.project.path}` : '';
  if (r.local) {
    const o = planOverrides({ ...p, redeploy: true }, r.project?.spec);
    return [`squall run${path || ' .'}`, ...overrideArgs(o, { ...r.local.options, ...o.options })].join(' ');
  }
  const o = planOverrides(p, r.project?.spec);
  if (!p.redeploy) {
    return [`squall rebalance ${r.topology}${where}`, ...Object.entries(o.parallelism).map(([c, n]) => `-p ${c}=${n}`), ...(o.workers !== undefined ? [`-w ${o.workers}`] : [])].join(' ');
  }
  const rename = r.project && r.project.spec.name !== r.topology ? [`-n ${r.topology}`] : [];
  return [`squall submit${path}${where} --force`, ...rename, ...overrideArgs(o, o.options)].join(' ');
}

function overrideArgs(o: PlanOverrides, options: Record<string, unknown>): string[] {
  return [
    ...Object.entries(o.parallelism).map(([c, n]) => `-p ${c}=${n}`),
    ...Object.entries(o.tasks).map(([c, n]) => `--tasks ${c}=${n}`),
    ...Object.entries(o.concurrency).map(([c, n]) => `--concurrency ${c}=${n}`),
    ...Object.entries(options).map(([k, v]) => `-o ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`),
  ];
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
