/**
 * How Storm splits a component's tasks over its executors: `Utils.partitionFixed` over `integerDivided`, larger
 * chunks first. The embedded runtime places executors with it, and `squall doctor` needs it to know which task
 * of each executor Storm's load-aware shuffle feeds. Pure.
 */

/** Sizes of the executors `tasks` tasks split into, larger first; executors beyond the tasks get none. */
export function executorSizes(tasks: number, executors: number): number[] {
  if (executors <= 0) return [];
  const base = Math.floor(tasks / executors);
  const larger = tasks % executors;
  const sizes = [...Array(larger).fill(base + 1), ...Array(executors - larger).fill(base)] as number[];
  return sizes.filter((size) => size > 0);
}

/** Index (0-based, within the component's tasks in id order) of the first task of each executor. */
export function firstTaskIndexes(tasks: number, executors: number): number[] {
  const out: number[] = [];
  let at = 0;
  for (const size of executorSizes(tasks, executors)) {
    out.push(at);
    at += size;
  }
  return out;
}
