/** Throughput, failures and complete latency over the last minutes, drawn with uPlot (bundled, no CDN). */
import uPlot from 'uplot';
import type { DashPoint } from '../types.js';

/** Points kept on the chart: 25 minutes at one reading every five seconds. */
const KEEP = 300;

export class OverTime {
  private readonly data: [number[], Array<number | null>, Array<number | null>, Array<number | null>] = [[], [], [], []];
  private readonly plot: uPlot;

  constructor(root: HTMLElement) {
    this.plot = new uPlot(
      {
        width: Math.max(300, root.clientWidth || 420),
        height: 200,
        scales: { x: { time: true }, ms: {} },
        series: [
          {},
          { label: 'acked/s', stroke: '#1a7f37', width: 2 },
          { label: 'failed/s', stroke: '#cf222e', width: 2 },
          { label: 'latency ms', stroke: '#6f42c1', width: 1.5, scale: 'ms', dash: [4, 3] },
        ],
        axes: [{}, { label: 'tuples/s', size: 50 }, { side: 1, scale: 'ms', label: 'ms', grid: { show: false }, size: 50 }],
        legend: { live: false },
      },
      this.data as uPlot.AlignedData,
      root,
    );
  }

  /** Start again from these points (a replay's moment). */
  reset(points: DashPoint[]): void {
    for (const series of this.data) series.length = 0;
    this.add(points);
    if (points.length === 0) this.plot.setData(this.data as uPlot.AlignedData);
  }

  add(points: DashPoint[]): void {
    for (const p of points) {
      this.data[0].push(p.t);
      this.data[1].push(p.ackedPerSec);
      this.data[2].push(p.failedPerSec);
      this.data[3].push(p.completeLatencyMs);
    }
    const extra = this.data[0].length - KEEP;
    if (extra > 0) for (const series of this.data) series.splice(0, extra);
    if (points.length > 0) this.plot.setData(this.data as uPlot.AlignedData);
  }
}
