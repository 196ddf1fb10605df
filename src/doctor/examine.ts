/**
 * From an observation to a report: figures, diagnosis and plan, the same way for every source (a cluster, a run
 * doctor started, a `squall run --ui`). Pure.
 */
import { collect, type Observation } from './collect.js';
import { diagnose } from './findings.js';
import { plan, type PlanOptions } from './plan.js';
import type { DoctorReport } from './report.js';

export type ReportContext = Omit<DoctorReport, 'collected' | 'diagnosis' | 'plan'>;

export function examine(observation: Observation, context: ReportContext, options: PlanOptions): DoctorReport {
  const collected = collect(observation);
  const diagnosis = diagnose(collected.figures);
  return { ...context, collected, diagnosis, plan: plan(collected.figures, options, diagnosis) };
}
