/** Doctor's predictions as the page shows them; pure, so the browser bundle shares it with the server. */
import type { Prediction } from '../doctor/model.js';
import type { DashPrediction } from './types.js';

/** A prediction as JSON carries it: an unbounded figure is null. */
export function predictionOf(p: Prediction): DashPrediction {
  const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return {
    rate: p.rate,
    limitedBy: p.limitedBy,
    bottleneck: p.bottleneck,
    saturationRate: finite(p.saturationRate),
    completeLatencySecs: finite(p.completeLatencySecs),
    components: p.components.map((c) => ({ id: c.id, tasks: c.tasks, concurrency: c.concurrency, ratePerSec: c.ratePerSec, utilization: c.utilization })),
  };
}
