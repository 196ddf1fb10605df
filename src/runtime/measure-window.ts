import type { ComponentStats, LocalCluster } from './local-cluster.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** What a running topology did over one window of time: its figures at both ends. */
export interface MeasuredWindow {
  /** When the window began and ended (ms since the epoch). */
  from: number;
  until: number;
  before: ComponentStats[];
  after: ComponentStats[];
}

/**
 * Let a started cluster settle for `settleMs` (fresh processes run slowly until their code is compiled, and
 * queues fill), then take its figures at both ends of the next `measureMs`: the one way `squall doctor --run` and
 * the benchmark measure a local run.
 */
export async function measureWindow(cluster: LocalCluster, settleMs: number, measureMs: number): Promise<MeasuredWindow> {
  if (settleMs > 0) await sleep(settleMs);
  const from = Date.now();
  const before = cluster.summary();
  await sleep(measureMs);
  return { from, until: Date.now(), before, after: cluster.summary() };
}
