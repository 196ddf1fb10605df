/**
 * `squall run --ui`: the Storm UI REST endpoints `squall stats` and `squall doctor` read, served from the embedded
 * runtime with the JSON shapes a Storm UI sends, plus one endpoint a Storm UI does not have: the components' own
 * measurements (`/api/v1/topology/{id}/squall/metrics`). So both commands work on a local run unchanged.
 *
 * Counts cover the requested window as on a cluster: snapshots taken every few seconds give the difference
 * between now and the window's start (or since start, for a run younger than the window). Unlike Storm, nothing
 * is sampled.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UiBoltJson, UiComponentJson, UiExecutorJson, UiSpoutJson, UiTopologyJson, UiTopologySummaryJson } from '../ui/client.js';
import type { ComponentStats, LocalCluster } from './local-cluster.js';
import { localDashboard } from '../dashboard/local.js';

/** Seconds between snapshots of the counts. */
const SNAPSHOT_SECS = 5;
/** Snapshots kept: enough for the UI's default 10-minute window. */
const SNAPSHOTS = 600 / SNAPSHOT_SECS + 2;

export interface LocalUi {
  /** Base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  close(): Promise<void>;
}

interface Snapshot {
  at: number;
  stats: ComponentStats[];
}

export async function serveLocalUi(cluster: LocalCluster, conf: Record<string, unknown>, port: number, host = '127.0.0.1'): Promise<LocalUi> {
  const id = `${cluster.spec.name}-1-${Math.floor(cluster.startedAt / 1000)}`;
  const snapshots: Snapshot[] = [{ at: cluster.startedAt, stats: cluster.summary() }];
  const timer = setInterval(() => {
    snapshots.push({ at: Date.now(), stats: cluster.summary() });
    if (snapshots.length > SNAPSHOTS) snapshots.shift();
  }, SNAPSHOT_SECS * 1000);
  timer.unref();

  // The dashboard page at / reads this same REST API, as squall doctor does (its URL is known once listening).
  let base = '';
  const dashboard = localDashboard(cluster.spec, () => base);
  const server: Server = createServer((req, res) => {
    try {
      if (dashboard.handle(req, res)) return;
      route(req, res);
    } catch (err) {
      send(res, 500, { error: '500 Server Error', errorMessage: (err as Error).message });
    }
  });

  const uptime = (): number => Math.max(0, Math.round((Date.now() - cluster.startedAt) / 1000));
  const executors = (c: { parallelism: number }) => c.parallelism;

  /** Counts over the last `window` seconds: now minus the newest snapshot at or before the window's start. */
  const windowed = (window: number | null): Map<string, ComponentStats> => {
    const now = cluster.summary();
    const start = window === null ? undefined : [...snapshots].reverse().find((s) => s.at <= Date.now() - window * 1000);
    const base = new Map((start?.stats ?? []).map((s) => [s.component, s]));
    return new Map(
      now.map((s) => {
        const b = base.get(s.component);
        if (!b) return [s.component, s];
        const settledNow = s.kind === 'bolt' ? s.executed : s.acked;
        const settled = settledNow - (s.kind === 'bolt' ? b.executed : b.acked);
        const latencyTotalMs = s.latencyTotalMs - b.latencyTotalMs;
        return [
          s.component,
          {
            ...s,
            emitted: s.emitted - b.emitted,
            acked: s.acked - b.acked,
            failed: s.failed - b.failed,
            executed: s.executed - b.executed,
            latencyTotalMs,
            meanLatencyMs: settled > 0 ? latencyTotalMs / settled : 0,
          },
        ];
      }),
    );
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
    const window = windowParam === ':all-time' ? null : Number(windowParam) || 600;
    const covered = window === null ? uptime() : Math.min(window, uptime());
    const counts = windowed(window);
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
        const capacity = covered > 0 ? (s.executed * s.meanLatencyMs) / (1000 * covered * executors(c)) : 0;
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
          capacity: capacity.toFixed(3),
          ...noError,
        });
      }
    }
    const label = window === null ? ':all-time' : String(window);
    return {
      ...summary(),
      window: label,
      topologyStats: [{ window: label, emitted, transferred: emitted, acked, failed, completeLatency: (acked > 0 ? latencyTotal / acked : 0).toFixed(3) }],
      spouts,
      bolts,
      configuration: conf,
    };
  };

  const componentPage = (componentId: string, window: string): UiComponentJson | null => {
    const c = cluster.spec.components.find((x) => x.id === componentId);
    if (!c) return null;
    const executorStats: UiExecutorJson[] = [...cluster.tasks]
      .filter(([, spec]) => spec.id === componentId)
      .map(([task]) => ({ id: `[${task}-${task}]`, host: 'localhost', port: 6700, uptimeSeconds: uptime(), emitted: null, transferred: null, acked: null, failed: null }));
    return { id: c.id, name: cluster.spec.name, topologyId: id, componentType: c.kind, executors: executors(c), tasks: c.tasks, window, executorStats, componentErrors: [] };
  };

  function route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://local');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const window = url.searchParams.get('window') ?? '600';
    if (req.method !== 'GET' || parts[0] !== 'api' || parts[1] !== 'v1' || parts[2] !== 'topology') {
      return send(res, 404, { error: '404 Not Found', errorMessage: `squall run --ui serves /api/v1/topology/… only, not ${url.pathname}` });
    }
    if (parts.length === 4 && parts[3] === 'summary') return send(res, 200, { topologies: [summary()] });
    if (parts[3] !== id) return send(res, 404, { error: '404 Not Found', errorMessage: `org.apache.storm.generated.NotAliveException: ${parts[3] ?? ''}` });
    if (parts.length === 4) return send(res, 200, topologyPage(window));
    if (parts.length === 6 && parts[4] === 'squall' && parts[5] === 'metrics') return send(res, 200, { metrics: cluster.measurements() });
    if (parts.length === 6 && parts[4] === 'component') {
      const page = componentPage(parts[5]!, window);
      if (page) return send(res, 200, page);
    }
    send(res, 404, { error: '404 Not Found', errorMessage: `no such page: ${url.pathname}` });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'EADDRINUSE' ? `--ui ${port}: that port is in use; pick another (or 0 for any free port)` : `--ui ${port}: ${err.message}`)),
    );
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  base = `http://${host}:${address.port}`;
  return {
    url: base,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        dashboard.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
