/**
 * A Storm UI stand-in for tests: real HTTP on 127.0.0.1 (port 0), answering the REST paths squall reads as a
 * Storm 2.x UI answers them. Its data are the Storm UI JSON fixtures in test/fixtures/storm-ui (written from the
 * field lists of storm-webapp's UIHelpers: every key Storm sends, latencies and capacity as strings like "0.048",
 * executor ids "[first-last]", lastError "" when there is none, every window in topologyStats[]).
 *
 * Failures are Storm's too (storm-webapp's exception mappers): a path the UI does not serve and a topology that is
 * not alive both answer HTTP 500 with `{"error": "500 Server Error", "errorMessage": …}`, never 404; errorMessage is
 * a Java stack trace (Storm up to 2.8.5, the default here) or only the exception's message (2.8.6 on: `errors:
 * 'message'`). An unknown component of a live topology is a 200 spout page with no tasks: Storm's
 * StatsUtil.componentType calls any id that is not a bolt a spout.
 *
 * `silent` accepts connections and never answers (a UI behind a dead proxy); `status` answers every request with
 * that HTTP status and an error body in the UI's style, to test failure paths.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UiComponentJson, UiSupervisorSummaryJson, UiTopologyJson, UiTopologySummaryJson, UiWindowStatsJson } from '../../src/ui/client.js';

/** The Storm UI JSON fixtures, in the source tree (this file runs from dist/test/helpers). */
export const STORM_UI_FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'storm-ui');

/** One Storm UI fixture file, parsed (`topology-page.json`, …). */
export function stormUiFixture<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readFileSync(join(STORM_UI_FIXTURES, file), 'utf8')) as T;
}

/** The topology id the fixture files were written for. */
const FIXTURE_ID = 'wordcount-7-1700000000';

export interface UiTopologyFixture {
  summary: UiTopologySummaryJson;
  page: UiTopologyJson;
  /** Component id → its component page. */
  components: Record<string, UiComponentJson>;
}

export interface UiServerOptions {
  topologies?: UiTopologyFixture[];
  /** GET /api/v1/supervisor/summary; the fixture's two 4-core supervisors when left out. */
  supervisors?: UiSupervisorSummaryJson;
  /** How errorMessage reads: 'stack' (Storm ≤ 2.8.5: the printed stack trace, the default) or 'message' (≥ 2.8.6). */
  errors?: 'stack' | 'message';
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

const REASONS: Record<number, string> = { 401: 'Unauthorized', 404: 'Not Found', 500: 'Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

/**
 * An error as UIHelpers.exceptionToJson writes it: `error` is the status and Jetty's reason phrase, `errorMessage`
 * the exception's printed stack trace (≤ 2.8.5) or its message, else its class name (≥ 2.8.6).
 */
export function stormErrorBody(status: number, exception: { stackTrace: string; message: string }, style: 'stack' | 'message' = 'stack'): { error: string; errorMessage: string } {
  return { error: `${status} ${REASONS[status] ?? 'Error'}`, errorMessage: style === 'stack' ? exception.stackTrace : exception.message };
}

/** What Jersey throws for a path no resource serves (mapped to 500 by the UI's DefaultExceptionMapper). */
export const NOT_FOUND = {
  message: 'HTTP 404 Not Found',
  stackTrace:
    'jakarta.ws.rs.NotFoundException: HTTP 404 Not Found\n\tat org.glassfish.jersey.server.ServerRuntime$1.run(ServerRuntime.java:266)\n\tat org.glassfish.jersey.internal.Errors$1.call(Errors.java:248)\n\tat org.glassfish.jersey.server.ApplicationHandler.handle(ApplicationHandler.java:684)\n\tat org.glassfish.jersey.servlet.WebComponent.serviceImpl(WebComponent.java:394)\n',
};

/** Nimbus's NotAliveException as the UI receives it over Thrift: its message is null, so 2.8.6+ shows the class. */
export function notAlive(id: string): { stackTrace: string; message: string } {
  return {
    message: 'org.apache.storm.generated.NotAliveException',
    stackTrace: `NotAliveException(msg:${id})\n\tat org.apache.storm.generated.Nimbus$getTopologyPageInfo_result$getTopologyPageInfo_resultStandardScheme.read(Nimbus.java:52019)\n\tat org.apache.storm.generated.Nimbus$Client.recv_getTopologyPageInfo(Nimbus.java:1460)\n\tat org.apache.storm.daemon.ui.UIHelpers.getTopologySummary(UIHelpers.java:1300)\n\tat org.apache.storm.daemon.ui.resources.StormApiResource.getTopology(StormApiResource.java:295)\n`,
  };
}

const NIMBUS_DOWN = {
  message: 'org.apache.storm.thrift.transport.TTransportException: java.net.ConnectException: Connection refused',
  stackTrace:
    'java.lang.RuntimeException: org.apache.thrift.transport.TTransportException: java.net.ConnectException: Connection refused\n\tat org.apache.storm.daemon.ui.UIHelpers.getNimbusSummary(UIHelpers.java:101)',
};

/** What Nimbus throws for a user the authorizer refuses (the UI's AuthorizationExceptionMapper: 401). */
const UNAUTHORIZED = {
  message: 'org.apache.storm.generated.AuthorizationException',
  stackTrace: 'AuthorizationException(msg:getTopologyPageInfo is not authorized)\n\tat org.apache.storm.daemon.ui.resources.StormApiResource.getTopology(StormApiResource.java:295)\n',
};

function handle(options: UiServerOptions, req: IncomingMessage, res: ServerResponse): void {
  const style = options.errors ?? 'stack';
  if (options.status) {
    send(res, options.status, stormErrorBody(options.status, options.status === 401 ? UNAUTHORIZED : NIMBUS_DOWN, style));
    return;
  }
  const url = new URL(req.url ?? '/', 'http://ui');
  const window = url.searchParams.get('window') ?? ':all-time';
  const topologies = options.topologies ?? [];
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const notServed = () => send(res, 500, stormErrorBody(500, NOT_FOUND, style));
  if (req.method !== 'GET' || parts[0] !== 'api' || parts[1] !== 'v1') return notServed();
  const route = parts.slice(2);
  // The routes come first (an unknown path is Jersey's NotFoundException whatever topology it names), then Nimbus.
  if (route.length === 2 && route[0] === 'supervisor' && route[1] === 'summary') return send(res, 200, options.supervisors ?? stormUiFixture('supervisor-summary.json'));
  if (route.length === 2 && route[0] === 'cluster' && route[1] === 'summary') return send(res, 200, stormUiFixture('cluster-summary.json'));
  if (route[0] !== 'topology') return notServed();
  if (route.length === 2 && route[1] === 'summary') {
    send(res, 200, { topologies: topologies.map((t) => t.summary), schedulerDisplayResource: false });
    return;
  }
  const isPage = route.length === 2;
  const isComponent = route.length === 4 && route[2] === 'component';
  if (!isPage && !isComponent) return notServed();
  const topology = topologies.find((t) => t.summary.id === route[1]);
  if (!topology) return send(res, 500, stormErrorBody(500, notAlive(route[1]!), style));
  if (isPage) {
    send(res, 200, { ...topology.page, window, windowHint: windowHint(window) });
    return;
  }
  const component = topology.components[route[3]!] ?? emptySpoutPage(topology, route[3]!);
  send(res, 200, { ...component, window, windowHint: windowHint(window) });
}

/** Storm's page for an id the topology does not have: a spout with no executors, tasks or stats. */
function emptySpoutPage(topology: UiTopologyFixture, componentId: string): UiComponentJson {
  return { id: componentId, name: topology.summary.name, topologyId: topology.summary.id, componentType: 'spout', executors: 0, tasks: 0, window: '600', executorStats: [], componentErrors: [] };
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

/** The fixture files with their topology id replaced by `id` (it appears in ids, links and the configuration). */
function withId<T>(file: string, id: string): T {
  return JSON.parse(readFileSync(join(STORM_UI_FIXTURES, file), 'utf8').split(FIXTURE_ID).join(id)) as T;
}

/** The wordcount topology of the Storm UI fixtures, under `id`. */
export function wordcountFixture(id = FIXTURE_ID): UiTopologyFixture {
  const summaries = withId<{ topologies: UiTopologySummaryJson[] }>('topology-summary.json', id);
  return {
    summary: summaries.topologies.find((t) => t.id === id)!,
    page: withId<UiTopologyJson>('topology-page.json', id),
    components: { count: withId<UiComponentJson>('component-bolt.json', id), sentences: withId<UiComponentJson>('component-spout.json', id) },
  };
}

/** A second, idle topology, so name lookups have something to list. */
export function clicksFixture(id = 'clicks-3-1700000500'): UiTopologyFixture {
  const listed = stormUiFixture<{ topologies: UiTopologySummaryJson[] }>('topology-summary.json').topologies.find((t) => t.name === 'clicks')!;
  const summary: UiTopologySummaryJson = { ...listed, id, encodedId: encodeURIComponent(id) } as UiTopologySummaryJson;
  // Typed loosely: Storm sends more keys than squall's types name (the shape test compares it with the fixtures).
  const page = {
    ...summary,
    windowHint: '10m 0s',
    msgTimeout: 30,
    window: '600',
    topologyStats: windows(0, 0, 0, '0.000'),
    spouts: [{ spoutId: 'events', encodedSpoutId: 'events', executors: 1, tasks: 1, emitted: 0, transferred: 0, acked: 0, failed: 0, completeLatency: '0.000', ...NO_ERROR }],
    bolts: [
      {
        boltId: 'store',
        encodedBoltId: 'store',
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
    workers: [],
    configuration: { 'storm.id': id, 'topology.name': 'clicks', 'topology.workers': 1, 'topology.message.timeout.secs': 30, 'topology.stats.sample.rate': 0.05 },
  };
  return { summary, page: page as UiTopologyJson, components: {} };
}
