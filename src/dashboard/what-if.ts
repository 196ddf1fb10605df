/**
 * The command that would apply a what-if change from the page: doctor's own `applyCommand` on a plan made of the
 * change (an adapter: doctor's plan module sizes plans for a target, it does not take one as given).
 */
import type { Change } from '../doctor/figures.js';
import type { Plan } from '../doctor/plan.js';
import { applyCommand, type DoctorReport } from '../doctor/report.js';

export function whatIfCommand(report: DoctorReport, change: Change): string | null {
  const figures = report.collected.figures;
  const components = figures.components.map((c) => {
    const tasks = change.tasks?.[c.id] ?? c.tasks;
    return {
      id: c.id,
      tasks: { now: c.tasks, planned: tasks },
      // One executor per task, as doctor's plans have it, once the tasks change.
      executors: { now: c.executors, planned: tasks !== c.tasks ? tasks : c.executors },
      concurrency: { now: c.concurrency, planned: change.concurrency?.[c.id] ?? c.concurrency },
    };
  });
  const pending = change.maxSpoutPending !== undefined ? change.maxSpoutPending : figures.maxSpoutPending;
  const redeploy = components.some((c) => c.tasks.planned !== c.tasks.now || c.concurrency.planned !== c.concurrency.now) || pending !== figures.maxSpoutPending;
  if (!redeploy) return null;
  const plan: Plan = {
    ...report.plan,
    components,
    maxSpoutPending: { now: figures.maxSpoutPending, planned: pending },
    workers: { now: figures.workers, planned: figures.workers },
    unchanged: false,
    redeploy,
    change,
  };
  return applyCommand({ ...report, plan });
}

/** A change as the page sends it (`?change=` JSON), checked: positive whole numbers for known components only. */
export function parseChange(raw: string, report: DoctorReport): Change {
  const ids = new Set(report.collected.figures.components.map((c) => c.id));
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error('change: not JSON');
  }
  const o = (json ?? {}) as Record<string, unknown>;
  const counts = (key: 'tasks' | 'concurrency'): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [id, n] of Object.entries((o[key] ?? {}) as Record<string, unknown>)) {
      if (!ids.has(id)) throw new Error(`change: no component "${id}"`);
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new Error(`change: ${key} of ${id} must be a whole number from 1, got ${JSON.stringify(n)}`);
      out[id] = n;
    }
    return out;
  };
  const pending = o['maxSpoutPending'];
  if (pending !== undefined && pending !== null && (typeof pending !== 'number' || !Number.isInteger(pending) || pending < 1)) {
    throw new Error(`change: maxSpoutPending must be a whole number from 1 (or null for none), got ${JSON.stringify(pending)}`);
  }
  return { tasks: counts('tasks'), concurrency: counts('concurrency'), ...(pending !== undefined ? { maxSpoutPending: pending as number | null } : {}) };
}
