/**
 * A Storm UI stand-in for tests: real HTTP on 127.0.0.1 (port 0), answering the REST paths `squall stats` reads
 * with the JSON shapes the Storm UI sends (latencies and capacity as strings like "0.048", executor ids
 * "[first-last]", lastError "" when there is none, every window in topologyStats[]).
 *
 * `silent` accepts connections and never answers (a UI behind a dead proxy); `status` answers every request with
 * that HTTP status and an error body in the UI's style, to test failure paths.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UiComponentJson, UiTopologyJson, UiTopologySummaryJson, UiWindowStatsJson } from '../../src/ui/client.js';

export interface UiTopologyFixture {
  summary: UiTopologySummaryJson;
  page: UiTopologyJson;
  /** Component id → its component page. */
  components: Record<string, UiComponentJson>;
}

export interface UiServerOptions {
  topologies?: UiTopologyFixture[];
  silent?: boolean;
  status?: number;
}

export interface UiServer {
  /** Base URL, e.g. http://127.0.0.1:40123 (no /api/v1). */
  url: string;
  /** Paths (with query) requested so far, in order. */
  requests: string[];
  /** Live data: tests may change it between requests. */
  options: UiServerOptions;
  close(): Promise<void>;
}

export async function startUiServer(options: UiServerOptions = {}): Promise<UiServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (options.silent) return; // never answer: the client's deadline must fire
    handle(options, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    options,
    close: () =>
      new Promise<void>((resolve) => {
        // Silent requests (and keep-alive sockets) would keep close() waiting forever.
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

/** An error in the UI's style: a short `error` and the Java exception text in `errorMessage`. */
function sendError(res: ServerResponse, status: number, message: string): void {
  send(res, status, { error: `${status} ${status === 404 ? 'Not Found' : 'Server Error'}`, errorMessage: message });
}

function handle(options: UiServerOptions, req: IncomingMessage, res: ServerResponse): void {
  if (options.status) {
    sendError(res, options.status, 'java.lang.RuntimeException: org.apache.thrift.transport.TTransportException: java.net.ConnectException: Connection refused\n\tat org.apache.storm.daemon.ui.UIHelpers.getNimbusSummary(UIHelpers.java:101)');
    return;
  }
  const url = new URL(req.url ?? '/', 'http://ui');
  const window = url.searchParams.get('window') ?? ':all-time';
  const topologies = options.topologies ?? [];
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  // ['api', 'v1', 'topology', 'summary'] | ['api', 'v1', 'topology', id] | ['api', 'v1', 'topology', id, 'component', c]
  if (req.method !== 'GET' || parts[0] !== 'api' || parts[1] !== 'v1' || parts[2] !== 'topology') {
    sendError(res, 404, `no route for ${req.method} ${url.pathname}`);
    return;
  }
  if (parts.length === 4 && parts[3] === 'summary') {
    send(res, 200, { topologies: topologies.map((t) => t.summary), schedulerDisplayResource: false });
    return;
  }
  const topology = topologies.find((t) => t.summary.id === parts[3]);
  if (!topology) {
    sendError(res, 404, `org.apache.storm.generated.NotAliveException: ${parts[3]}`);
    return;
  }
  if (parts.length === 4) {
    send(res, 200, { ...topology.page, window, windowHint: windowHint(window) });
    return;
  }
  const component = parts[4] === 'component' && parts.length === 6 ? topology.components[parts[5]!] : undefined;
  if (!component) {
    sendError(res, 404, `component ${parts[5] ?? ''} not found`);
    return;
  }
  send(res, 200, { ...component, window, windowHint: windowHint(window) });
}

function windowHint(window: string): string {
  const secs = Number(window);
  if (!Number.isFinite(secs)) return 'All time';
  return `${Math.floor(secs / 60)}m ${secs % 60}s`;
}

// ---------------------------------------------------------------------------------------------------------------
// A wordcount topology as a 2.x UI reports it: split is a Python shell bolt, count is saturated (capacity 0.930).

function windows(emitted: number, acked: number, failed: number, completeLatency: string): UiWindowStatsJson[] {
  return [
    { windowPretty: '10m 0s', window: '600', emitted, transferred: emitted, acked, failed, completeLatency },
    { windowPretty: '3h 0m 0s', window: '10800', emitted: emitted * 3, transferred: emitted * 3, acked: acked * 3, failed, completeLatency },
    { windowPretty: '1d 0h 0m 0s', window: '86400', emitted: emitted * 3, transferred: emitted * 3, acked: acked * 3, failed, completeLatency },
    { windowPretty: 'All time', window: ':all-time', emitted: emitted * 3, transferred: emitted * 3, acked: acked * 3, failed, completeLatency },
  ];
}

const NO_ERROR = { lastError: '', errorHost: '', errorPort: null, errorWorkerLogLink: '', errorTime: null, errorLapsedSecs: null };

export function wordcountFixture(id = 'wordcount-7-1700000000'): UiTopologyFixture {
  const summary: UiTopologySummaryJson = {
    id,
    name: 'wordcount',
    status: 'ACTIVE',
    uptime: '1h 1m 40s',
    uptimeSeconds: 3700,
    tasksTotal: 14,
    workersTotal: 2,
    executorsTotal: 5,
  };
  const page: UiTopologyJson = {
    id,
    name: 'wordcount',
    status: 'ACTIVE',
    uptime: '1h 1m 40s',
    uptimeSeconds: 3700,
    window: '600',
    windowHint: '10m 0s',
    msgTimeout: 30,
    tasksTotal: 14,
    workersTotal: 2,
    executorsTotal: 5,
    topologyStats: windows(61200, 12000, 20, '12.345'),
    spouts: [
      { spoutId: 'sentences', executors: 1, tasks: 1, emitted: 12020, transferred: 12020, acked: 12000, failed: 20, completeLatency: '12.345', ...NO_ERROR },
    ],
    bolts: [
      {
        boltId: 'split',
        executors: 2,
        tasks: 4,
        executed: 12000,
        emitted: 49200,
        transferred: 49200,
        acked: 12000,
        failed: 0,
        executeLatency: '0.021',
        processLatency: '2.112',
        capacity: '0.002',
        ...NO_ERROR,
      },
      {
        boltId: 'count',
        executors: '2', // some proxies and versions send counts as strings too
        tasks: 8,
        executed: 49200,
        emitted: 0,
        transferred: 0,
        acked: 49200,
        failed: 0,
        executeLatency: '11.366',
        processLatency: '11.528',
        capacity: '0.930',
        lastError: 'java.lang.RuntimeException: count overflow\n\tat org.example.Count.execute(Count.java:42)',
        errorHost: '10.0.0.6',
        errorPort: 6701,
        errorWorkerLogLink: 'http://10.0.0.6:8000/api/v1/log?file=wordcount-7-1700000000%2F6701%2Fworker.log',
        errorTime: 1700003635,
        errorLapsedSecs: 65,
      },
    ],
    configuration: { 'storm.id': id, 'topology.stats.sample.rate': 0.05, 'topology.workers': 2 },
  };
  const count: UiComponentJson = {
    id: 'count',
    name: 'wordcount',
    topologyId: id,
    componentType: 'bolt',
    executors: 2,
    tasks: 8,
    window: '600',
    windowHint: '10m 0s',
    executorStats: [
      {
        id: '[5-8]',
        host: '10.0.0.5',
        port: 6700,
        uptime: '1h 1m 30s',
        uptimeSeconds: 3690,
        emitted: 0,
        transferred: 0,
        executed: 24700,
        executeLatency: '22.591',
        processLatency: '22.902',
        capacity: '0.930',
        acked: 24700,
        failed: 0,
        workerLogLink: 'http://10.0.0.5:8000/api/v1/log?file=wordcount-7-1700000000%2F6700%2Fworker.log',
      },
      {
        id: '[9-12]',
        host: '10.0.0.6',
        port: 6701,
        uptime: '1h 1m 30s',
        uptimeSeconds: '3690',
        emitted: 0,
        transferred: 0,
        executed: 24500,
        executeLatency: '0.050',
        processLatency: '0.061',
        capacity: '0.002',
        acked: 24500,
        failed: 0,
        workerLogLink: 'http://10.0.0.6:8000/api/v1/log?file=wordcount-7-1700000000%2F6701%2Fworker.log',
      },
    ],
    componentErrors: [
      {
        errorTime: 1700003000000,
        errorHost: '10.0.0.6',
        errorPort: 6701,
        errorWorkerLogLink: 'http://10.0.0.6:8000/api/v1/log?file=wordcount-7-1700000000%2F6701%2Fworker.log',
        errorLapsedSecs: 700,
        error: 'java.lang.IllegalStateException: first failure\n\tat org.example.Count.execute(Count.java:40)',
      },
      {
        errorTime: 1700003635000,
        errorHost: '10.0.0.6',
        errorPort: 6701,
        errorWorkerLogLink: 'http://10.0.0.6:8000/api/v1/log?file=wordcount-7-1700000000%2F6701%2Fworker.log',
        errorLapsedSecs: 65,
        error: 'java.lang.RuntimeException: count overflow\n\tat org.example.Count.execute(Count.java:42)',
      },
    ],
  };
  const sentences: UiComponentJson = {
    id: 'sentences',
    name: 'wordcount',
    topologyId: id,
    componentType: 'spout',
    executors: 1,
    tasks: 1,
    window: '600',
    windowHint: '10m 0s',
    executorStats: [
      {
        id: '[13-13]',
        host: '10.0.0.5',
        port: 6700,
        uptime: '1h 1m 30s',
        uptimeSeconds: 3690,
        emitted: 12020,
        transferred: 12020,
        completeLatency: '12.345',
        acked: 12000,
        failed: 20,
        workerLogLink: 'http://10.0.0.5:8000/api/v1/log?file=wordcount-7-1700000000%2F6700%2Fworker.log',
      },
    ],
    componentErrors: [],
  };
  return { summary, page, components: { count, sentences } };
}

/** A second, idle topology, so name lookups have something to list. */
export function clicksFixture(id = 'clicks-3-1700000500'): UiTopologyFixture {
  const summary: UiTopologySummaryJson = { id, name: 'clicks', status: 'INACTIVE', uptime: '5m 0s', uptimeSeconds: 300, tasksTotal: 2, workersTotal: 1, executorsTotal: 2 };
  const page: UiTopologyJson = {
    ...summary,
    window: '600',
    topologyStats: windows(0, 0, 0, '0.000'),
    spouts: [{ spoutId: 'events', executors: 1, tasks: 1, emitted: 0, transferred: 0, acked: 0, failed: 0, completeLatency: '0.000', ...NO_ERROR }],
    bolts: [
      {
        boltId: 'store',
        executors: 1,
        tasks: 1,
        executed: 0,
        emitted: 0,
        transferred: 0,
        acked: 0,
        failed: 0,
        executeLatency: '0.000',
        processLatency: '0.000',
        capacity: '0.000',
        ...NO_ERROR,
      },
    ],
  };
  return { summary, page, components: {} };
}
