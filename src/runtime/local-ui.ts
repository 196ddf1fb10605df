/**
 * `squall run --ui`: the Storm UI REST endpoints `squall stats` and `squall doctor` read, served from the embedded
 * runtime with the JSON shapes a Storm UI sends, plus two endpoints a Storm UI does not have: the components' own
 * measurements (`/api/v1/topology/{id}/squall/metrics`), which the topology page names in its `squallMetrics`
 * field (a Storm UI has no such field, so the client never asks a Storm UI for that path), and the topology's
 * graph (`…/squall/topology`). So both commands work on a local run unchanged, doctor without the project at hand.
 *
 * Failures are answered as a Storm UI answers them, status codes included: HTTP 500 with
 * `{"error": "500 Server Error", "errorMessage": …}` for a path it does not serve and for a topology that is not
 * running (NotAliveException), never 404. One client path then serves both UIs: a client that learnt "404 means
 * not served" from squall's own UI is exactly the client that failed on a real Storm UI (issue 19).
 *
 * The supervisor summary reports this machine as the one supervisor, with its cores in Storm's unit (100 per
 * core), so `doctor` bounds a local plan by the cores the same way it does on a cluster.
 *
 * Counts cover the requested window as on a cluster: snapshots taken every few seconds give the difference
 * between now and the window's start (or since start, for a run younger than the window). Unlike Storm, nothing
 * is sampled. A component page lists an executor per task (the runtime runs each task as its own process) with
 * that task's own counts, as a Storm UI lists its executors.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, hostname } from 'node:os';
import {
  CPU_UNITS_PER_CORE,
  type UiBoltJson,
  type UiComponentJson,
  type UiExecutorJson,
  type UiSpoutJson,
  type UiSupervisorSummaryJson,
  type UiTopologyJson,
  type UiTopologySummaryJson,
} from '../ui/client.js';
import type { ComponentStats, LocalCluster, TaskStats } from './local-cluster.js';
import { addCounts, meanLatencyMs, zeroCounts, type Counts } from './stats.js';
import { executorSizes } from '../topology/executors.js';
import { maskConfiguration } from '../config/credentials.js';

/** Seconds between snapshots of the counts. */
const SNAPSHOT_SECS = 5;
/** Snapshots kept: enough for the UI's default 10-minute window. */
const SNAPSHOTS = 600 / SNAPSHOT_SECS + 2;

export interface LocalUi {
  /** Base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  close(): Promise<void>;
}

/**
 * The --ui port, bound before any component starts: a port that is taken (8080 is a Storm UI's own) stops the run
 * at once, before anything runs, instead of after the topology is up.
 */
export interface UiPort {
  server: Server;
  /** Base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  close(): Promise<void>;
}

export async function bindUiPort(port: number, host = '127.0.0.1'): Promise<UiPort> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'EADDRINUSE' ? `--ui ${port}: that port is in use; pick another (or 0 for any free port)` : `--ui ${port}: ${err.message}`)),
    );
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Snapshot {
  at: number;
  components: ComponentStats[];
  tasks: TaskStats[];
}

/**
 * `now` less what was already counted at the window's start (`base`; none: the run is younger than the window): the
 * counts the pages show, the mean latency worked out again from the differences.
 */
function sinceBase<T extends Counts>(now: T, base: T | undefined): T {
  if (!base) return now;
  const counts = {
    ...now,
    emitted: now.emitted - base.emitted,
    acked: now.acked - base.acked,
    failed: now.failed - base.failed,
    executed: now.executed - base.executed,
    latencyTotalMs: now.latencyTotalMs - base.latencyTotalMs,
  };
  return { ...counts, meanLatencyMs: meanLatencyMs(counts) };
}

/** `?window=`: seconds (600 by default, as Storm's UI), or null for `:all-time`. */
function windowSecs(param: string): number | null {
  return param === ':all-time' ? null : Number(param) || 600;
}

/** Storm's capacity: the share of the covered seconds the executors spent executing. */
function capacity(executed: number, latencyMs: number, coveredSecs: number, executors: number): string {
  return (coveredSecs > 0 ? (executed * latencyMs) / (1000 * coveredSecs * executors) : 0).toFixed(3);
}

/**
 * Pages served beside the REST API on the same port, such as the dashboard (dashboard/local.ts): given by the caller,
 * so the runtime does not depend on the dashboard, which reads doctor, which runs the runtime.
 */
export interface UiPages {
  /** Serves the request when it is one of its pages; false leaves it to the REST API. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  close(): void;
}

/**
 * Serve the endpoints on a bound port (`bindUiPort`) once the cluster has started; `pages(url)`, if given, makes
 * the pages served beside them (`squall run --ui`: the dashboard at /, reading this same REST API at `url()`).
 */
export function serveLocalUi(cluster: LocalCluster, conf: Record<string, unknown>, port: UiPort, pages?: (url: () => string) => UiPages): LocalUi {
  const id = cluster.stormId;
  const snapshot = (at: number): Snapshot => ({ at, components: cluster.summary(), tasks: cluster.taskSummary() });
  const snapshots: Snapshot[] = [snapshot(cluster.startedAt)];
  const timer = setInterval(() => {
    snapshots.push(snapshot(Date.now()));
    if (snapshots.length > SNAPSHOTS) snapshots.shift();
  }, SNAPSHOT_SECS * 1000);
  timer.unref();

  const dashboard = pages?.(() => port.url);
  port.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    try {
      if (dashboard?.handle(req, res)) return;
      route(req, res);
    } catch (err) {
      serverError(res, (err as Error).message);
    }
  });

  const uptime = (): number => Math.max(0, Math.round((Date.now() - cluster.startedAt) / 1000));
  const executors = (c: { parallelism: number }) => c.parallelism;

  /**
   * A `?window=` as the pages use it: its seconds (null: all time), the seconds it covers of this run, its label, and
   * the newest snapshot at or before its start (counts over the window are now minus that snapshot).
   */
  const windowOf = (param: string) => {
    const window = windowSecs(param);
    return {
      covered: window === null ? uptime() : Math.min(window, uptime()),
      label: window === null ? ':all-time' : String(window),
      start: window === null ? undefined : [...snapshots].reverse().find((s) => s.at <= Date.now() - window * 1000),
    };
  };

  /** Each component's counts over the window. */
  const componentsOver = (start: Snapshot | undefined): Map<string, ComponentStats> => {
    const base = new Map((start?.components ?? []).map((s) => [s.component, s]));
    return new Map(cluster.summary().map((s) => [s.component, sinceBase(s, base.get(s.component))]));
  };

  /** Each task's counts over the window. */
  const tasksOver = (start: Snapshot | undefined): Map<number, TaskStats> => {
    const base = new Map((start?.tasks ?? []).map((s) => [s.task, s]));
    return new Map(cluster.taskSummary().map((s) => [s.task, sinceBase(s, base.get(s.task))]));
  };

  const summary = (): UiTopologySummaryJson => ({
    id,
    name: cluster.spec.name,
    status: 'ACTIVE',
    uptimeSeconds: uptime(),
    tasksTotal: cluster.spec.components.reduce((n, c) => n + c.tasks, 0),
    workersTotal: Number(conf['topology.workers'] ?? 1),
    executorsTotal: cluster.spec.components.reduce((n, c) => n + executors(c), 0),
  });

  const topologyPage = (windowParam: string): UiTopologyJson => {
    const { covered, label, start } = windowOf(windowParam);
    const counts = componentsOver(start);
    const spouts: UiSpoutJson[] = [];
    const bolts: UiBoltJson[] = [];
    let acked = 0;
    let failed = 0;
    let emitted = 0;
    let latencyTotal = 0;
    for (const c of cluster.spec.components) {
      const s = counts.get(c.id)!;
      emitted += s.emitted;
      const noError = { lastError: '' };
      if (c.kind === 'spout') {
        acked += s.acked;
        failed += s.failed;
        latencyTotal += s.latencyTotalMs;
        spouts.push({ spoutId: c.id, executors: executors(c), tasks: c.tasks, emitted: s.emitted, transferred: s.emitted, acked: s.acked, failed: s.failed, completeLatency: s.meanLatencyMs.toFixed(3), ...noError });
      } else {
        bolts.push({
          boltId: c.id,
          executors: executors(c),
          tasks: c.tasks,
          executed: s.executed,
          emitted: s.emitted,
          transferred: s.emitted,
          acked: s.acked,
          failed: s.failed,
          executeLatency: s.meanLatencyMs.toFixed(3),
          processLatency: s.meanLatencyMs.toFixed(3),
          capacity: capacity(s.executed, s.meanLatencyMs, covered, executors(c)),
          ...noError,
        });
      }
    }
    return {
      ...summary(),
      window: label,
      topologyStats: [{ window: label, emitted, transferred: emitted, acked, failed, completeLatency: (acked > 0 ? latencyTotal / acked : 0).toFixed(3) }],
      spouts,
      bolts,
      // Unlike Storm's UI: a password in a configuration value (a Redis URL, …) is not served.
      configuration: maskConfiguration(conf),
      squallMetrics: `/api/v1/topology/${encodeURIComponent(id)}/squall/metrics`,
      squallTopology: `/api/v1/topology/${encodeURIComponent(id)}/squall/topology`,
    };
  };

  const supervisors = (): UiSupervisorSummaryJson => {
    const cpu = availableParallelism() * CPU_UNITS_PER_CORE;
    // No scheduler assigns CPU or memory to a local run: nothing is counted as used.
    return { supervisors: [{ id: 'local', host: hostname(), uptimeSeconds: uptime(), slotsTotal: 1, slotsUsed: 1, totalCpu: cpu, usedCpu: 0, totalMem: 0, usedMem: 0 }] };
  };

  /**
   * A component's page: per executor (its tasks `[first-last]`, as Storm splits a component's tasks over its
   * executors) the counts of its tasks over the window, summed, and the latency worked out from the sums.
   */
  const componentPage = (componentId: string, windowParam: string): UiComponentJson | null => {
    const c = cluster.spec.components.find((x) => x.id === componentId);
    if (!c) return null;
    const { covered, label, start } = windowOf(windowParam);
    const counts = tasksOver(start);
    const taskIds = [...cluster.tasks].filter(([, spec]) => spec.id === componentId).map(([task]) => task).sort((a, b) => a - b);
    let at = 0;
    const executorStats: UiExecutorJson[] = executorSizes(taskIds.length, executors(c)).map((size) => {
      const ids = taskIds.slice(at, (at += size));
      const s = zeroCounts(c);
      for (const task of ids) addCounts(s, counts.get(task)!);
      const latencyMs = meanLatencyMs(s);
      const head = { id: `[${ids[0]}-${ids[ids.length - 1]}]`, host: 'localhost', port: 6700, uptimeSeconds: uptime(), emitted: s.emitted, transferred: s.emitted, acked: s.acked, failed: s.failed };
      if (c.kind === 'spout') return { ...head, completeLatency: latencyMs.toFixed(3) };
      return { ...head, executed: s.executed, executeLatency: latencyMs.toFixed(3), processLatency: latencyMs.toFixed(3), capacity: capacity(s.executed, latencyMs, covered, 1) };
    });
    return { id: c.id, name: cluster.spec.name, topologyId: id, componentType: c.kind, executors: executors(c), tasks: c.tasks, window: label, executorStats, componentErrors: [] };
  };

  function route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://local');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const window = url.searchParams.get('window') ?? '600';
    const notServed = () => serverError(res, `HTTP 404 Not Found: squall run --ui serves /api/v1/topology/… and /api/v1/supervisor/summary, not ${req.method} ${url.pathname}`);
    if (req.method !== 'GET' || parts[0] !== 'api' || parts[1] !== 'v1') return notServed();
    if (parts.length === 4 && parts[2] === 'supervisor' && parts[3] === 'summary') return send(res, 200, supervisors());
    if (parts[2] !== 'topology' || parts.length < 4) return notServed();
    if (parts.length === 4 && parts[3] === 'summary') return send(res, 200, { topologies: [summary()] });
    if (parts[3] !== id) return serverError(res, `NotAliveException(msg:${parts[3] ?? ''})`);
    if (parts.length === 4) return send(res, 200, topologyPage(window));
    if (parts.length === 6 && parts[4] === 'squall' && parts[5] === 'metrics') return send(res, 200, { metrics: cluster.measurements() });
    // The topology's graph (groupings), which a Storm UI does not serve: `squall doctor --ui` needs no project then.
    if (parts.length === 6 && parts[4] === 'squall' && parts[5] === 'topology') return send(res, 200, { topology: cluster.spec });
    if (parts.length === 6 && parts[4] === 'component') {
      const page = componentPage(parts[5]!, window);
      if (page) return send(res, 200, page);
      return serverError(res, `no component ${parts[5]} in topology ${id}`);
    }
    notServed();
  }

  return {
    url: port.url,
    close: () => {
      clearInterval(timer);
      dashboard?.close();
      return port.close();
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A failure as a Storm UI reports every one (storm-webapp's DefaultExceptionMapper): HTTP 500 and its error JSON. */
function serverError(res: ServerResponse, errorMessage: string): void {
  send(res, 500, { error: '500 Server Error', errorMessage });
}
