/**
 * `squall doctor --apply`'s output: the first report, each change with its prediction against what was observed,
 * and why it stopped; or the same as JSON. Pure. Apart from report.ts, which apply.ts reads for the commands it
 * prints, so neither imports the other's module in a cycle.
 */
import type { ApplyResult } from './apply.js';
import { fixed, ms, percent } from './findings.js';
import { doctorObject, formatDoctor } from './report.js';
import { table } from '../format/table.js';


/** What `doctor --apply` did: the first report, each change with its prediction against the observation, the end. */
export function formatApply(result: ApplyResult): string {
  const parts = [formatDoctor(result.first)];
  for (const step of result.steps) {
    const c = step.comparison;
    const rows: string[][] = [
      ['', `predicted at ${fixed(result.target)}/s`, 'observed'],
      ['tuple trees/s', value(c.rate.predicted, fixed), value(c.rate.observed, fixed)],
      ['complete latency', value(c.completeLatencySecs.predicted, ms), value(c.completeLatencySecs.observed, ms)],
      ...c.components.map((x) => [`${x.id} busiest task`, value(x.predicted, percent), value(x.observed, percent)]),
    ];
    const lines = [`Change ${step.change}: ${step.command}`, ...table(rows, { leftColumns: 1 }).map((l) => `  ${l}`)];
    if (step.worse) lines.push(`  WORSE than before it: ${fixed(step.after.diagnosis.rate)} trees/s against ${fixed(step.before.diagnosis.rate)}`);
    const findings = step.after.diagnosis.findings;
    lines.push(findings.length ? '  findings now:' : '  findings now: none', ...findings.map((f) => `    - ${f.message}`));
    parts.push(lines.join('\n') + '\n');
  }
  parts.push(`${result.message}\n`);
  return parts.join('\n');
}

export function applyJson(result: ApplyResult): string {
  return (
    JSON.stringify(
      {
        topology: result.first.topology,
        target: result.target,
        outcome: result.outcome,
        message: result.message,
        first: doctorObject(result.first),
        steps: result.steps.map((s) => ({
          change: s.change,
          command: s.command,
          redeploy: s.redeploy,
          worse: s.worse,
          plan: doctorObject(s.before).plan,
          predicted: { rate: s.comparison.rate.predicted, completeLatencySecs: s.comparison.completeLatencySecs.predicted, utilization: Object.fromEntries(s.comparison.components.map((x) => [x.id, x.predicted])) },
          observed: { rate: s.comparison.rate.observed, completeLatencySecs: s.comparison.completeLatencySecs.observed, utilization: Object.fromEntries(s.comparison.components.map((x) => [x.id, x.observed])) },
          report: doctorObject(s.after),
        })),
      },
      null,
      2,
    ) + '\n'
  );
}

function value(x: number | null, format: (x: number) => string): string {
  return x === null ? '-' : format(x);
}
