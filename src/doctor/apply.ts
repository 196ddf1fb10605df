/**
 * `squall doctor --apply`: carry the plan out, take figures measured after the change, set them against what the
 * model predicted, and go again: at most MAX_CHANGES changes, stopping as soon as the target holds. Every change
 * costs a redeploy or a rebalance and minutes of settling, which is why the model plans the whole change up front.
 *
 * The loop decides; a Deployment acts (a cluster through Nimbus, or a run doctor started itself), so both follow
 * the same rules: nothing is changed for skew on a hot key or for a slow instance, since scaling fixes neither.
 */
import type { Finding } from './findings.js';
import { revertPlan, TARGET_MET } from './plan.js';
import { applyCommand, type DoctorReport } from './report.js';

/** Changes `--apply` makes at most. */
export const MAX_CHANGES = 2;
/** The target holds when the observed rate is at least this share of it: measured rates are never exact. */
export const TARGET_REACHED = TARGET_MET;
/** A change made things worse when the rate fell by more than this share (measurements are never exact). */
export const WORSE_BY = 0.03;

export interface Deployment {
  /** The topology as it runs now, planned for `target` (undefined: the plan's default target). */
  observe(target: number | undefined): Promise<DoctorReport>;
  /** Carry out `report`'s plan, then return the topology as figures measured after the change show it. */
  change(report: DoctorReport, target: number, step: number): Promise<DoctorReport>;
  /**
   * Go back to the configuration `before` ran with, after a change made things worse. A run doctor starts does it
   * for free (the next run simply uses it); absent, the loop stops with that configuration as its advice.
   */
  undo?(before: DoctorReport): Promise<void>;
}

export type Outcome = 'target-holds' | 'nothing-to-change' | 'not-for-scaling' | 'not-advice' | 'made-worse' | 'changes-used';

export interface Figure {
  predicted: number | null;
  observed: number | null;
}

/** The plan's prediction against what was measured after the change. */
export interface Comparison {
  /** Tuple trees per second. */
  rate: Figure;
  completeLatencySecs: Figure;
  /** Utilization of the busiest task of each component the change touched. */
  components: Array<{ id: string } & Figure>;
}

export interface Step {
  /** 1-based. */
  change: number;
  command: string;
  redeploy: boolean;
  /** The change made things worse than the observation before it (see madeWorse). */
  worse: boolean;
  before: DoctorReport;
  after: DoctorReport;
  comparison: Comparison;
}

export interface ApplyResult {
  target: number;
  first: DoctorReport;
  steps: Step[];
  outcome: Outcome;
  /** Why it stopped, in plain words. */
  message: string;
}

export interface ApplyOptions {
  target?: number;
  /** Each observation as it arrives (the first, then one per change): `--record`. */
  onObservation?: (report: DoctorReport) => Promise<void>;
  /** A line of progress for a person watching (stderr). */
  progress?: (line: string) => void;
}

export async function applyPlan(deployment: Deployment, options: ApplyOptions = {}): Promise<ApplyResult> {
  const first = await deployment.observe(options.target);
  await options.onObservation?.(first);
  // The target is fixed by the first observation: the default (twice the current rate) must not move with each change.
  const target = first.plan.target;
  const steps: Step[] = [];
  let report = first;
  for (;;) {
    const stop = verdict(report, target, steps.length);
    if (stop) return { target, first, steps, ...stop };
    const command = applyCommand(report);
    const change = steps.length + 1;
    options.progress?.(`change ${change} of at most ${MAX_CHANGES}: ${command}`);
    const after = await deployment.change(report, target, change);
    await options.onObservation?.(after);
    // Each change against the observation before it: a change that made things worse is said plainly.
    const worse = madeWorse(report, after);
    steps.push({ change, command, redeploy: report.plan.redeploy, worse, before: report, after, comparison: compare(report, after) });
    if (worse) return { target, first, steps, ...(await worseStop(deployment, report, after, change)) };
    report = after;
  }
}

/** A complete latency this many times the one before, with no more throughput for it, is worse. */
export const LATENCY_WORSE = 1.5;

/**
 * Whether a change made things worse than the observation before it: the rate fell by more than WORSE_BY, or it
 * did not rise by as much while the complete latency grew LATENCY_WORSE times (and by a millisecond at least).
 */
export function madeWorse(before: DoctorReport, after: DoctorReport): boolean {
  const rate = after.diagnosis.rate;
  const was = before.diagnosis.rate;
  if (rate < (1 - WORSE_BY) * was) return true;
  const l0 = before.collected.figures.completeLatencySecs;
  const l1 = after.collected.figures.completeLatencySecs;
  return rate <= (1 + WORSE_BY) * was && l0 !== null && l1 !== null && l1 > LATENCY_WORSE * l0 && l1 - l0 >= 0.001;
}

/** Change `n` lowered the rate: undo it where the deployment can, else stop with the better configuration as advice. */
async function worseStop(deployment: Deployment, before: DoctorReport, after: DoctorReport, n: number): Promise<{ outcome: Outcome; message: string }> {
  const latency = (r: DoctorReport) => r.collected.figures.completeLatencySecs;
  const said =
    `change ${n} made things worse: ${round(after.diagnosis.rate)} tuple trees/s against ${round(before.diagnosis.rate)} before it` +
    (latency(before) !== null && latency(after) !== null ? ` (complete latency ${ms(latency(after)!)} against ${ms(latency(before)!)})` : '') +
    '. ';
  if (deployment.undo) {
    await deployment.undo(before);
    return { outcome: 'made-worse', message: `${said}It is undone: the configuration before it is the better one.` };
  }
  const back = applyCommand({ ...after, plan: revertPlan(before.plan) });
  return { outcome: 'made-worse', message: `${said}The configuration before it was better; to go back: ${back}` };
}

/** Why the loop stops at this observation, or null to make the plan's change. */
export function verdict(report: DoctorReport, target: number, changes: number): { outcome: Outcome; message: string } | null {
  const rate = report.diagnosis.rate;
  if (rate >= TARGET_REACHED * target) {
    return { outcome: 'target-holds', message: `the target holds: ${round(rate)} tuple trees/s observed for a target of ${round(target)}.` };
  }
  if (report.plan.advice === false) return { outcome: 'not-advice', message: `changed nothing: ${report.plan.notAdvice}` };
  const notForScaling = blockers(report.diagnosis.findings);
  if (notForScaling.length > 0) {
    return {
      outcome: 'not-for-scaling',
      message:
        `changed nothing: ${notForScaling.map((f) => (f.kind === 'skew' ? `a hot key in ${f.component}` : `a slow instance of ${f.component}`)).join(' and ')} ` +
        'holds the topology back, and more tasks or executors do not fix that (see the findings). Fix it, then run doctor --apply again.',
    };
  }
  if (report.plan.unchanged) {
    return {
      outcome: 'nothing-to-change',
      message:
        `nothing to change: at the measured times per tuple the topology carries ${round(target)} tuple trees/s with every task at most ` +
        `${Math.round(report.plan.utilization * 100)}% busy; it carries ${round(rate)}/s now because the spouts offer no more.`,
    };
  }
  if (changes >= MAX_CHANGES) {
    return {
      outcome: 'changes-used',
      message:
        `stopped after ${MAX_CHANGES} changes: ${round(rate)} tuple trees/s observed for a target of ${round(target)}. ` +
        'Look at the findings before another change (squall doctor without --apply shows the next plan).',
    };
  }
  return null;
}

/** Findings scaling must not chase: a key too hot for one task, a task slower than its peers. */
export function blockers(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => (f.kind === 'skew' || f.kind === 'slow-instance') && !f.scalingHelps);
}

/** The plan's prediction (at the target load) against the figures measured after the change. */
export function compare(before: DoctorReport, after: DoctorReport): Comparison {
  const predicted = before.plan.predicted;
  const touched = before.plan.components.filter(
    (c) => c.tasks.planned !== c.tasks.now || c.executors.planned !== c.executors.now || c.concurrency.planned !== c.concurrency.now,
  );
  const latency = after.collected.figures.completeLatencySecs;
  return {
    rate: { predicted: predicted.rate, observed: after.diagnosis.rate },
    completeLatencySecs: { predicted: Number.isFinite(predicted.completeLatencySecs) ? predicted.completeLatencySecs : null, observed: latency },
    components: touched.map((c) => ({
      id: c.id,
      predicted: predicted.components.find((p) => p.id === c.id)?.utilization ?? null,
      observed: after.diagnosis.components.find((o) => o.id === c.id)?.utilization ?? null,
    })),
  };
}

/** The exit status of `doctor --apply`: 0 when the target holds or nothing needs changing, 2 when it stopped short. */
export function exitStatus(outcome: Outcome): number {
  // 'made-worse' ends short of the target too: 2.
  return outcome === 'target-holds' || outcome === 'nothing-to-change' ? 0 : 2;
}

function ms(secs: number): string {
  return `${(secs * 1000).toFixed(1)} ms`;
}

function round(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}
