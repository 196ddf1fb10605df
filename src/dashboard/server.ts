/**
 * The dashboard's HTTP side: the page at `/`, its script and styles (bundled here from the compiled browser code
 * with esbuild, so nothing comes from a CDN), and `/dashboard/events`, a server-sent event stream of readings.
 * One reading serves every open page, and the topology is read only while a page is open, so a run nobody looks
 * at pays nothing. Read-only: GET, and nothing here changes the topology.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { pointBetween, type TotalsAt } from './state.js';
import { DASHBOARD_CSS } from './styles.js';
import type { DashboardSource } from './source.js';
import type { DoctorReport } from '../doctor/report.js';
import { parseChange, whatIfCommand } from './what-if.js';
import type { DashPoint, DashUpdate, DashboardState } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Seconds between readings while a page is open. */
export const DEFAULT_EVERY_SECS = 5;
/** Chart points kept: the last 25 minutes at the default pace. */
const HISTORY_POINTS = 300;

export interface DashboardOptions {
  everySecs?: number;
  /** Called with every reading; the topology is then read all the time, not only while a page is open. */
  onReading?: (state: DashboardState, point: DashPoint | null) => void;
}

export interface Dashboard {
  /** Serves the request when it is the dashboard's; false leaves it to the caller (the REST API). */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  close(): void;
}

export function createDashboard(source: DashboardSource, options: DashboardOptions = {}): Dashboard {
  const everyMs = (options.everySecs ?? DEFAULT_EVERY_SECS) * 1000;
  const clients = new Set<ServerResponse>();
  const history: DashPoint[] = [];
  let latest: DashboardState | null = null;
  let report: DoctorReport | null = null;
  let lastTotals: TotalsAt | null = null;
  let timer: NodeJS.Timeout | undefined;
  let lastProblem = '';
  let closed = false;

  const sendEvent = (res: ServerResponse, event: string, data: unknown): void => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };

  let inflight: Promise<void> | null = null;
  /** One reading at a time: a tick while one is under way waits for that one. */
  const tick = (): Promise<void> => (inflight ??= readOnce().finally(() => (inflight = null)));

  const readOnce = async (): Promise<void> => {
    if (closed) return;
    try {
      const reading = await source.read();
      const { state, allTime } = reading;
      report = reading.report;
      const fresh: DashPoint[] = [];
      if (lastTotals) fresh.push(pointBetween(lastTotals, allTime));
      lastTotals = allTime;
      history.push(...fresh);
      if (history.length > HISTORY_POINTS) history.splice(0, history.length - HISTORY_POINTS);
      latest = state;
      options.onReading?.(state, fresh[0] ?? null);
      const update: DashUpdate = { state, history: fresh };
      for (const res of clients) sendEvent(res, 'update', update);
    } catch (err) {
      // Said on the page (the topology may be gone, the UI unreachable); the next tick tries again.
      lastProblem = (err as Error).message;
      for (const res of clients) sendEvent(res, 'problem', { message: lastProblem });
    }
  };

  const startTicking = (): void => {
    if (timer || closed) return;
    timer = setInterval(() => void tick(), everyMs);
    timer.unref();
  };
  const stopTicking = (): void => {
    clearInterval(timer);
    timer = undefined;
  };

  const events = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    clients.add(res);
    // What is known already, so a new page draws at once; then every reading.
    if (latest) sendEvent(res, 'update', { state: latest, history } satisfies DashUpdate);
    else void tick();
    startTicking();
    req.on('close', () => {
      clients.delete(res);
      if (clients.size === 0 && !options.onReading) stopTicking();
    });
  };
  if (options.onReading) {
    startTicking();
    void tick();
  }

  return {
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://local');
      const path = url.pathname;
      if (!DYNAMIC.has(path)) return serveAsset(req, res, path);
      if (refuseWrites(req, res)) return true;
      const json = (status: number, body: unknown) => sendJson(res, status, body);
      if (path === '/dashboard/events') events(req, res);
      else if (path === '/dashboard/replay') json(200, { file: null, moments: [] }); // live, not a replay
      else if (path === '/dashboard/state') {
        // The latest reading, as the open pages have it (one is made when no page is open).
        void (latest ? Promise.resolve() : tick()).then(() =>
          latest ? json(200, { state: latest, history } satisfies DashUpdate) : json(503, { error: `no reading of the topology yet: ${lastProblem}` }),
        );
      } else if (path === '/dashboard/command') {
        void (report ? Promise.resolve() : tick()).then(() => {
          if (!report) return json(503, { error: `no reading of the topology yet: ${lastProblem}` });
          try {
            json(200, { command: whatIfCommand(report, parseChange(url.searchParams.get('change') ?? '{}', report)) });
          } catch (err) {
            json(400, { error: (err as Error).message });
          }
        });
      }
      return true;
    },
    close() {
      closed = true;
      stopTicking();
      source.close?.();
      for (const res of clients) res.end();
      clients.clear();
    },
  };
}

/** Paths answered from the readings. */
const DYNAMIC = new Set(['/dashboard/events', '/dashboard/state', '/dashboard/command', '/dashboard/replay']);

const ROUTES: Record<string, () => Promise<[string, string]>> = {
  '/': async () => ['text/html; charset=utf-8', PAGE],
  '/dashboard/app.js': async () => ['text/javascript; charset=utf-8', await bundle()],
  '/dashboard/app.css': async () => ['text/css; charset=utf-8', await styles()],
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>squall dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/app.css">
</head>
<body>
<header id="head"><h1>squall</h1><span id="topology">connecting …</span><span id="totals"></span></header>
<div id="problem" hidden></div>
<main>
  <section id="graph-pane"><svg id="graph" role="img" aria-label="topology graph"></svg></section>
  <aside id="side">
    <section id="details"><p class="hint">Click a component to see its tasks.</p></section>
    <section id="over-time"><h2>Over time</h2><div id="chart"></div></section>
    <section id="findings"><h2>Findings</h2><ul id="finding-list"></ul></section>
    <section id="plan"></section>
    <section id="what-if"></section>
  </aside>
</main>
<script src="/dashboard/app.js"></script>
</body>
</html>
`;

/** The page and its script and styles; false for any other path. */
export function serveAsset(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  const route = ROUTES[path];
  if (!route) return false;
  if (refuseWrites(req, res)) return true;
  void route().then(
    ([type, body]) => sendText(res, 200, type, body),
    (err: Error) => sendText(res, 500, 'text/plain; charset=utf-8', `dashboard: ${err.message}\n`),
  );
  return true;
}

/** The dashboard only reads: anything but GET is refused (true when it was). */
export function refuseWrites(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET') return false;
  sendText(res, 405, 'text/plain; charset=utf-8', 'the dashboard is read-only: GET only\n');
  return true;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, 'application/json', JSON.stringify(body));
}

let bundled: Promise<string> | undefined;

/** The browser code (compiled next to this file by `npm run build`) and its libraries, as one script. */
function bundle(): Promise<string> {
  bundled ??= build({
    entryPoints: [join(here, 'browser', 'main.js')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    write: false,
    logLevel: 'silent',
  }).then((out) => out.outputFiles[0]!.text);
  bundled.catch(() => (bundled = undefined));
  return bundled;
}

let styled: Promise<string> | undefined;

function styles(): Promise<string> {
  const require = createRequire(import.meta.url);
  styled ??= readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8').then((uplot) => `${uplot}\n${DASHBOARD_CSS}`);
  styled.catch(() => (styled = undefined));
  return styled;
}

function sendText(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}
