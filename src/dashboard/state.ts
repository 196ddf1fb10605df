/**
 * The dashboard's figures from one reading of a topology: the Storm UI's counts (rates over its window), the
 * components' own measurement lines (true busy time per task), and doctor's report on the same observation
 * (utilization where nothing was measured, edge rates, findings). Pure: ./source.ts reads, this combines.
 */
import type { Observation } from '../doctor/collect.js';
import { applyCommand, type DoctorReport } from '../doctor/report.js';
import { predictionOf } from './prediction.js';
import type { Reading } from '../doctor/read.js';
import type { TopologyStats, WindowTotals } from '../ui/client.js';
import type { DashComponent, DashEdge, DashPlan, DashPoint, DashPrediction, DashTask, DashboardState } from './types.js';

export function dashboardState(reading: Reading, observation: Observation, report: DoctorReport, source: string, at: number): DashboardState {
  const stats = reading.stats;
  const window = windowSecs(stats);
  const perSec = (n: number | null): number | null => (n === null || window === null ? null : n / window);
  const figures = report.collected.figures;
  const measuredTasks = new Set(observation.metrics.map((m) => `${m.component}\u0000${m.task}`));
  const components: DashComponent[] = figures.components.map((f) => {
    const load = report.diagnosis.components.find((c) => c.id === f.id);
    const spout = f.kind === 'spout' ? stats.spouts.find((s) => s.id === f.id) : undefined;
    const bolt = f.kind === 'bolt' ? stats.bolts.find((b) => b.id === f.id) : undefined;
    const row = spout ?? bolt;
    const lines = observation.metrics.filter((m) => m.component === f.id).sort((a, b) => a.task - b.task);
    const page = reading.pages.get(f.id);
    const taskRows: DashTask[] = lines.map((m) => {
      const t = f.taskFigures?.find((x) => x.task === m.task);
      const own = page?.executorStats.find((e) => e.firstTask === m.task && e.lastTask === m.task);
      const units = m.executed > 0 || f.kind === 'bolt' ? m.executed : sum(Object.values(m.emitted));
      return {
        task: m.task,
        host: observation.hosts?.get(m.task) ?? null,
        utilization: t ? (t.ratePerSec * t.serviceSecs) / Math.max(1, m.concurrency) : null,
        serviceMs: t ? t.serviceSecs * 1000 : null,
        cpuMs: units > 0 ? (m.cpuSecs / units) * 1000 : null,
        executed: units,
        ratePerSec: t ? t.ratePerSec : null,
        emitted: { ...m.emitted },
        failed: own?.failed ?? null,
        measuredAt: m.at,
        intervalSecs: m.secs,
      };
    });
    // Tasks that sent no measurement still get a row: where they run, and the UI's counts when the executor is theirs alone.
    for (const e of page?.executorStats ?? []) {
      if (e.firstTask === null || e.lastTask === null) continue;
      for (let task = e.firstTask; task <= e.lastTask; task++) {
        if (measuredTasks.has(`${f.id}\u0000${task}`)) continue;
        taskRows.push({
          task,
          host: observation.hosts?.get(task) ?? null,
          utilization: null,
          serviceMs: null,
          cpuMs: null,
          executed: e.firstTask === e.lastTask ? (f.kind === 'bolt' ? e.executed : e.acked) : null,
          ratePerSec: e.firstTask === e.lastTask ? perSec(f.kind === 'bolt' ? e.executed : e.acked) : null,
          emitted: {},
          failed: e.firstTask === e.lastTask ? e.failed : null,
          measuredAt: null,
          intervalSecs: null,
        });
      }
    }
    taskRows.sort((a, b) => a.task - b.task);
    const utils = taskRows.map((t) => t.utilization).filter((u): u is number => u !== null);
    const measured = utils.length > 0;
    return {
      id: f.id,
      kind: f.kind,
      tasks: f.tasks,
      executors: f.executors,
      concurrency: f.concurrency,
      utilization: measured ? Math.max(...utils) : report.collected.missing.includes(f.id) ? null : (load?.utilization ?? null),
      minUtilization: measured ? Math.min(...utils) : null,
      meanUtilization: measured ? sum(utils) / utils.length : null,
      measured,
      executedPerSec: perSec(bolt?.executed ?? null),
      ackedPerSec: perSec(row?.acked ?? null),
      failedPerSec: perSec(row?.failed ?? null),
      emittedPerSec: perSec(row?.emitted ?? null),
      completeLatencyMs: spout?.completeLatencyMs ?? null,
      counts: { executed: bolt?.executed ?? null, acked: row?.acked ?? null, failed: row?.failed ?? null, emitted: row?.emitted ?? null },
      serviceMs: f.serviceSecs > 0 ? f.serviceSecs * 1000 : null,
      cpuMs: f.cpuSecs !== undefined ? f.cpuSecs * 1000 : null,
      lastError: row?.lastError?.message ?? page?.errors[0]?.message ?? null,
      hotKeys: (f.hotKeys ?? []).map((k) => ({ key: k.key, share: k.share })),
      source: f.source ?? null,
      taskRows,
    };
  });
  const rateOf = new Map(report.diagnosis.components.map((c) => [c.id, c.ratePerSec]));
  const edges: DashEdge[] = figures.edges.map((e) => {
    const from = figures.components.find((c) => c.id === e.from);
    const rate = rateOf.get(e.from);
    const selectivity = from?.emitsPerTuple[e.stream];
    return { from: e.from, to: e.to, stream: e.stream, grouping: e.grouping, ratePerSec: rate !== undefined && selectivity !== undefined ? rate * selectivity : null };
  });
  const totals = stats.totals;
  return {
    topology: report.topology,
    id: reading.id,
    source,
    at,
    uptimeSecs: reading.uptimeSecs ?? stats.uptimeSeconds,
    windowSecs: window,
    totals: { ackedPerSec: perSec(totals?.acked ?? null), failedPerSec: perSec(totals?.failed ?? null), completeLatencyMs: totals?.completeLatencyMs ?? null },
    components,
    edges,
    findings: report.diagnosis.findings.map((f) => ({ kind: f.kind, component: f.component ?? null, message: f.message, evidence: f.evidence })),
    coarse: report.collected.coarse,
    missing: report.collected.missing,
    figures,
    plan: planOf(report),
  };
}

function planOf(report: DoctorReport): DashPlan {
  const p = report.plan;
  return {
    target: p.target,
    utilization: p.utilization,
    unchanged: p.unchanged,
    components: p.components,
    maxSpoutPending: p.maxSpoutPending,
    workers: p.workers,
    command: p.unchanged ? null : applyCommand(report),
    predicted: predictionOf(p.predicted),
    current: predictionOf(p.current),
    caveats: p.caveats,
  };
}

/** Seconds the UI's counts cover: the window, or the uptime when the topology is younger (as doctor takes it). */
export function windowSecs(stats: TopologyStats): number | null {
  const candidates = [stats.windowSecs, stats.uptimeSeconds].filter((x): x is number => x !== null && x > 0);
  return candidates.length ? Math.min(...candidates) : null;
}

/** All-time totals at one moment (reader's clock), to take rates between two readings. */
export interface TotalsAt {
  at: number;
  totals: WindowTotals | null;
}

/**
 * One chart point between two all-time readings: trees acked and failed per second in between, and their mean
 * complete latency (the change in total latency over the change in acked). Null where a count went missing or
 * backwards (a restarted topology starts its counts again).
 */
export function pointBetween(before: TotalsAt, after: TotalsAt): DashPoint {
  const secs = (after.at - before.at) / 1000;
  const a = before.totals;
  const b = after.totals;
  const diff = (x: number | null | undefined, y: number | null | undefined): number | null => (x == null || y == null || y < x || secs <= 0 ? null : y - x);
  const acked = diff(a?.acked, b?.acked);
  const failed = diff(a?.failed, b?.failed);
  const latencyTotal = (t: WindowTotals | null): number | null => (t?.acked == null || t.completeLatencyMs == null ? null : t.acked * t.completeLatencyMs);
  const before_ = latencyTotal(a);
  const after_ = latencyTotal(b);
  const latency = acked !== null && acked > 0 && before_ !== null && after_ !== null ? Math.max(0, (after_ - before_) / acked) : null;
  return {
    t: after.at / 1000,
    ackedPerSec: acked === null ? null : acked / secs,
    failedPerSec: failed === null ? null : failed / secs,
    completeLatencyMs: latency,
  };
}

function sum(values: number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
