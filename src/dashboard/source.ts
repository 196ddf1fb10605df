/**
 * Where the dashboard's figures come from: the same reading `squall doctor` makes (the Storm UI's topology and
 * component pages, and the components' measurement lines: served by `squall run --ui`, or read from the worker
 * logs over SSH), examined by doctor's own code, plus the all-time totals the over-time chart takes rates from.
 */
import { examine, type ReportContext } from '../doctor/examine.js';
import type { DoctorReport } from '../doctor/report.js';
import { observationOf, readTopology } from '../doctor/read.js';
import type { TopologySpec } from '../topology/spec.js';
import type { StormUiClient } from '../ui/client.js';
import type { TaskMetrics } from '../wire/metrics-line.js';
import { dashboardState, type TotalsAt } from './state.js';
import type { DashboardState } from './types.js';

export interface DashboardReading {
  state: DashboardState;
  allTime: TotalsAt;
  /** Doctor's report on the reading, for the what-if panel's command. */
  report: DoctorReport;
}

export interface DashboardSource {
  read(): Promise<DashboardReading>;
  /** Let go of what reading holds (a worker thread). */
  close?(): void;
}

export interface UiSourceOptions {
  /** In words, for the page's header: where the figures come from. */
  source: string;
  /** The measurement lines from the worker logs, when the UI serves none. */
  fromLogs?: () => Promise<TaskMetrics[]>;
  /** How doctor would name the topology and its project, for the commands the plan and the what-if print. */
  context: ReportContext;
  /** The clock readings are stamped with (the reader's). */
  now?: () => number;
}

/** Reads the topology called `name` through a Storm UI (a cluster's, or `squall run --ui`'s own REST API). */
export function uiSource(ui: StormUiClient, name: string, spec: TopologySpec, options: UiSourceOptions): DashboardSource {
  const now = options.now ?? Date.now;
  return {
    async read() {
      const reading = await readTopology(ui, name, spec, options.fromLogs);
      const allTime = await ui.topology(reading.id, ':all-time');
      const at = now();
      const observation = observationOf(reading, spec);
      const report = examine(observation, options.context, {});
      return { state: dashboardState(reading, observation, report, options.source, at), allTime: { at, totals: allTime.totals }, report };
    },
  };
}
