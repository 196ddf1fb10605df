/**
 * A small read-only client for the Storm UI REST API (`ui.port`, default 8080, base `/api/v1`).
 *
 * The UI's JSON is loosely typed: latencies and capacity are strings ("0.048"), counts are usually numbers but some
 * versions and proxies send strings, and absent values come as null or "". So the wire shapes below say what may
 * arrive, and `parse*` turns them into plain numbers (null when a value is missing or not numeric) once, here,
 * so formatting and `--json` never see a string where a number belongs.
 *
 * Every request has a deadline (AbortController): a UI behind a dead proxy or a firewall that drops packets would
 * otherwise hang `squall stats` forever. Every failure names the URL, so the user can try it with curl.
 */
import type { TaskMetrics } from '../wire/metrics-line.js';

// ---------------------------------------------------------------------------------------------------------------
// Wire shapes (what the UI sends). Only the fields squall reads; the UI sends more.

/** A number as the UI may send it: a JSON number, a numeric string, or null / "" when it has none. */
export type UiNumber = number | string | null;

export interface UiTopologySummaryJson {
  id: string;
  name: string;
  status: string;
  uptime?: string;
  uptimeSeconds: UiNumber;
  tasksTotal: UiNumber;
  workersTotal: UiNumber;
  executorsTotal: UiNumber;
}

export interface UiTopologySummaryListJson {
  topologies: UiTopologySummaryJson[];
}

/** One row of `topologyStats[]`: the whole topology over one window ("600", "10800", "86400", ":all-time"). */
export interface UiWindowStatsJson {
  window: string;
  windowPretty?: string;
  emitted: UiNumber;
  transferred: UiNumber;
  acked: UiNumber;
  failed: UiNumber;
  completeLatency: UiNumber;
}

/** The last error fields shared by spouts[] and bolts[] ("" / null when there is none). */
export interface UiLastErrorJson {
  lastError: string | null;
  errorHost?: string | null;
  errorPort?: UiNumber;
  errorTime?: UiNumber;
  errorLapsedSecs?: UiNumber;
  errorWorkerLogLink?: string | null;
}

export interface UiSpoutJson extends UiLastErrorJson {
  spoutId: string;
  executors: UiNumber;
  tasks: UiNumber;
  emitted: UiNumber;
  transferred: UiNumber;
  acked: UiNumber;
  failed: UiNumber;
  completeLatency: UiNumber;
}

export interface UiBoltJson extends UiLastErrorJson {
  boltId: string;
  executors: UiNumber;
  tasks: UiNumber;
  executed: UiNumber;
  emitted: UiNumber;
  transferred: UiNumber;
  acked: UiNumber;
  failed: UiNumber;
  executeLatency: UiNumber;
  processLatency: UiNumber;
  capacity: UiNumber;
}

export interface UiTopologyJson {
  id: string;
  name: string;
  status: string;
  uptime?: string;
  uptimeSeconds: UiNumber;
  /** The window asked for, as a string ("600"), or ":all-time". */
  window: string;
  windowHint?: string;
  msgTimeout?: UiNumber;
  tasksTotal: UiNumber;
  workersTotal: UiNumber;
  executorsTotal: UiNumber;
  topologyStats: UiWindowStatsJson[];
  spouts: UiSpoutJson[];
  bolts: UiBoltJson[];
  configuration?: Record<string, unknown>;
}

/** One executor of a component. Bolts send executed/executeLatency/processLatency/capacity, spouts completeLatency. */
export interface UiExecutorJson {
  /** `"[first-last]"`: the executor's task range. */
  id: string;
  host: string;
  port: UiNumber;
  uptime?: string;
  uptimeSeconds: UiNumber;
  emitted: UiNumber;
  transferred: UiNumber;
  acked: UiNumber;
  failed: UiNumber;
  executed?: UiNumber;
  executeLatency?: UiNumber;
  processLatency?: UiNumber;
  capacity?: UiNumber;
  completeLatency?: UiNumber;
  workerLogLink?: string;
}

export interface UiComponentErrorJson {
  error: string;
  errorHost?: string | null;
  errorPort?: UiNumber;
  /** Milliseconds since the epoch in 2.x samples (seconds in some versions): squall shows errorLapsedSecs instead. */
  errorTime?: UiNumber;
  errorLapsedSecs?: UiNumber;
  errorWorkerLogLink?: string | null;
}

export interface UiComponentJson {
  /** The component id. */
  id: string;
  /** The topology name. */
  name: string;
  topologyId: string;
  /** "spout" / "bolt" (upper case in some versions). */
  componentType: string;
  executors: UiNumber;
  tasks: UiNumber;
  window: string;
  windowHint?: string;
  executorStats: UiExecutorJson[];
  componentErrors: UiComponentErrorJson[];
}

// ---------------------------------------------------------------------------------------------------------------
// Parsed shapes (what squall works with): numbers are numbers, absent is null.

export interface TopologySummary {
  id: string;
  name: string;
  status: string;
  uptimeSeconds: number | null;
  tasks: number | null;
  workers: number | null;
  executors: number | null;
}

export interface LastError {
  message: string;
  host: string | null;
  port: number | null;
  lapsedSecs: number | null;
}

export interface SpoutStats {
  id: string;
  executors: number | null;
  tasks: number | null;
  emitted: number | null;
  transferred: number | null;
  acked: number | null;
  failed: number | null;
  completeLatencyMs: number | null;
  lastError: LastError | null;
}

export interface BoltStats {
  id: string;
  executors: number | null;
  tasks: number | null;
  executed: number | null;
  emitted: number | null;
  transferred: number | null;
  acked: number | null;
  failed: number | null;
  executeLatencyMs: number | null;
  processLatencyMs: number | null;
  /** The busiest executor's capacity over the last 10 minutes (Storm computes it so whatever window is asked). */
  capacity: number | null;
  lastError: LastError | null;
}

export interface WindowTotals {
  emitted: number | null;
  transferred: number | null;
  acked: number | null;
  failed: number | null;
  completeLatencyMs: number | null;
}

export interface TopologyStats {
  id: string;
  name: string;
  status: string;
  uptimeSeconds: number | null;
  /** Seconds, or null for all time. */
  windowSecs: number | null;
  /** The UI's own wording of the window ("10m 0s", "All time"). */
  windowLabel: string;
  /** `topology.stats.sample.rate` from the topology's configuration, when the UI sent it. */
  sampleRate: number | null;
  /** The topology's configuration as the cluster runs it (empty when the UI sent none). */
  configuration: Record<string, unknown>;
  workers: number | null;
  executors: number | null;
  tasks: number | null;
  /** The topology-wide row of `topologyStats[]` for the requested window. */
  totals: WindowTotals | null;
  spouts: SpoutStats[];
  bolts: BoltStats[];
}

export interface ExecutorStats {
  /** `"[first-last]"`, as the UI shows it. */
  id: string;
  firstTask: number | null;
  lastTask: number | null;
  host: string;
  port: number | null;
  uptimeSeconds: number | null;
  emitted: number | null;
  transferred: number | null;
  acked: number | null;
  failed: number | null;
  /** Bolts only (null for spouts). */
  executed: number | null;
  executeLatencyMs: number | null;
  processLatencyMs: number | null;
  capacity: number | null;
  /** Spouts only (null for bolts). */
  completeLatencyMs: number | null;
}

export interface ComponentError {
  message: string;
  host: string | null;
  port: number | null;
  lapsedSecs: number | null;
  time: number | null;
}

export interface ComponentStats {
  topologyId: string;
  topologyName: string;
  id: string;
  kind: 'spout' | 'bolt';
  executors: number | null;
  tasks: number | null;
  windowSecs: number | null;
  windowLabel: string;
  executorStats: ExecutorStats[];
  errors: ComponentError[];
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

/** A number from whatever the UI sent: 12, "12", "0.048", " 3 " → number; null, "", "N/A", objects → null. */
export function parseNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : null;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : value == null ? '' : String(value);
}

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

function lastError(json: Partial<UiLastErrorJson>): LastError | null {
  const message = text(json.lastError).trim();
  if (!message) return null;
  return { message, host: text(json.errorHost) || null, port: parseNumber(json.errorPort), lapsedSecs: parseNumber(json.errorLapsedSecs) };
}

/** "600" → 600; ":all-time" (or anything else) → null. */
function windowSecs(window: unknown): number | null {
  return parseNumber(window);
}

function windowLabel(secs: number | null, hint: unknown): string {
  const given = text(hint);
  if (given) return given;
  return secs === null ? 'All time' : `${secs}s`;
}

export function parseTopologySummary(json: Partial<UiTopologySummaryJson>): TopologySummary {
  return {
    id: text(json.id),
    name: text(json.name),
    status: text(json.status),
    uptimeSeconds: parseNumber(json.uptimeSeconds),
    tasks: parseNumber(json.tasksTotal),
    workers: parseNumber(json.workersTotal),
    executors: parseNumber(json.executorsTotal),
  };
}

export function parseTopology(json: Partial<UiTopologyJson>): TopologyStats {
  const secs = windowSecs(json.window);
  const window = text(json.window);
  // The page lists every window (600, 10800, 86400, all time); the totals row is the one that was asked for.
  const row = list<Partial<UiWindowStatsJson>>(json.topologyStats).find((w) => text(w.window) === window);
  return {
    id: text(json.id),
    name: text(json.name),
    status: text(json.status),
    uptimeSeconds: parseNumber(json.uptimeSeconds),
    windowSecs: secs,
    windowLabel: windowLabel(secs, json.windowHint),
    sampleRate: parseNumber(json.configuration?.['topology.stats.sample.rate']),
    configuration: json.configuration && typeof json.configuration === 'object' ? json.configuration : {},
    workers: parseNumber(json.workersTotal),
    executors: parseNumber(json.executorsTotal),
    tasks: parseNumber(json.tasksTotal),
    totals: row
      ? {
          emitted: parseNumber(row.emitted),
          transferred: parseNumber(row.transferred),
          acked: parseNumber(row.acked),
          failed: parseNumber(row.failed),
          completeLatencyMs: parseNumber(row.completeLatency),
        }
      : null,
    spouts: list<Partial<UiSpoutJson>>(json.spouts).map((s) => ({
      id: text(s.spoutId),
      executors: parseNumber(s.executors),
      tasks: parseNumber(s.tasks),
      emitted: parseNumber(s.emitted),
      transferred: parseNumber(s.transferred),
      acked: parseNumber(s.acked),
      failed: parseNumber(s.failed),
      completeLatencyMs: parseNumber(s.completeLatency),
      lastError: lastError(s),
    })),
    bolts: list<Partial<UiBoltJson>>(json.bolts).map((b) => ({
      id: text(b.boltId),
      executors: parseNumber(b.executors),
      tasks: parseNumber(b.tasks),
      executed: parseNumber(b.executed),
      emitted: parseNumber(b.emitted),
      transferred: parseNumber(b.transferred),
      acked: parseNumber(b.acked),
      failed: parseNumber(b.failed),
      executeLatencyMs: parseNumber(b.executeLatency),
      processLatencyMs: parseNumber(b.processLatency),
      capacity: parseNumber(b.capacity),
      lastError: lastError(b),
    })),
  };
}

/** `"[3-4]"` → [3, 4]; anything else → nulls (the id is still shown as sent). */
export function parseExecutorRange(id: string): [number | null, number | null] {
  const match = /^\[\s*(\d+)\s*-\s*(\d+)\s*\]$/.exec(id.trim());
  return match ? [Number(match[1]), Number(match[2])] : [null, null];
}

export function parseComponent(json: Partial<UiComponentJson>): ComponentStats {
  const executors = list<Partial<UiExecutorJson>>(json.executorStats);
  const type = text(json.componentType).toLowerCase();
  // Older UIs may omit componentType: a spout's executors are the ones reporting a complete latency.
  const kind = type === 'spout' || type === 'bolt' ? type : executors.some((e) => e.completeLatency !== undefined) ? 'spout' : 'bolt';
  const secs = windowSecs(json.window);
  return {
    topologyId: text(json.topologyId),
    topologyName: text(json.name),
    id: text(json.id),
    kind,
    executors: parseNumber(json.executors),
    tasks: parseNumber(json.tasks),
    windowSecs: secs,
    windowLabel: windowLabel(secs, json.windowHint),
    executorStats: executors.map((e) => {
      const id = text(e.id);
      const [firstTask, lastTask] = parseExecutorRange(id);
      return {
        id,
        firstTask,
        lastTask,
        host: text(e.host),
        port: parseNumber(e.port),
        uptimeSeconds: parseNumber(e.uptimeSeconds),
        emitted: parseNumber(e.emitted),
        transferred: parseNumber(e.transferred),
        acked: parseNumber(e.acked),
        failed: parseNumber(e.failed),
        executed: parseNumber(e.executed),
        executeLatencyMs: parseNumber(e.executeLatency),
        processLatencyMs: parseNumber(e.processLatency),
        capacity: parseNumber(e.capacity),
        completeLatencyMs: parseNumber(e.completeLatency),
      };
    }),
    errors: list<Partial<UiComponentErrorJson>>(json.componentErrors)
      .filter((e) => text(e.error).trim() !== '')
      .map((e) => ({
        message: text(e.error),
        host: text(e.errorHost) || null,
        port: parseNumber(e.errorPort),
        lapsedSecs: parseNumber(e.errorLapsedSecs),
        time: parseNumber(e.errorTime),
      })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The client

export class StormUiError extends Error {
  override readonly name = 'StormUiError';
  constructor(
    message: string,
    readonly url: string,
    /** The HTTP status when the UI answered with one. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface StormUiClientOptions {
  /** Deadline for each request, headers and body included (default 10 000 ms). */
  timeoutMs?: number;
  /** For tests and proxies; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** Base URLs accepted: `http://nimbus:8080`, with or without a trailing `/` or `/api/v1`; `nimbus:8080` gets http://. */
export function normalizeUiBase(base: string): string {
  let url = base.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) url = `http://${url}`;
  return url.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
}

export class StormUiClient {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(baseUrl: string, options: StormUiClientOptions = {}) {
    this.baseUrl = normalizeUiBase(baseUrl);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** GET /api/v1/topology/summary: every topology the cluster runs. */
  async topologySummary(): Promise<TopologySummary[]> {
    const json = await this.get<Partial<UiTopologySummaryListJson>>('/api/v1/topology/summary');
    return list<Partial<UiTopologySummaryJson>>(json.topologies).map(parseTopologySummary);
  }

  /**
   * The running topology called `name` (its `.id` is what the other calls take). Names are what users know; ids
   * (`wordcount-3-1700000000`) change with every submit.
   */
  async findTopology(name: string): Promise<TopologySummary> {
    const topologies = await this.topologySummary();
    const found = topologies.find((t) => t.name === name);
    if (found) return found;
    const running = topologies.map((t) => `${t.name} (${t.status})`);
    throw new StormUiError(
      running.length === 0
        ? `no topology named "${name}" on ${this.baseUrl}: the cluster runs no topologies`
        : `no topology named "${name}" on ${this.baseUrl}; running: ${running.join(', ')}`,
      this.url('/api/v1/topology/summary'),
    );
  }

  /** GET /api/v1/topology/{id}?window=…: per-component stats over the window (seconds; 600 = the last 10 minutes). */
  async topology(id: string, window: number | ':all-time' = 600): Promise<TopologyStats> {
    const json = await this.get<Partial<UiTopologyJson>>(`/api/v1/topology/${encodeURIComponent(id)}?window=${encodeURIComponent(String(window))}`);
    return parseTopology(json);
  }

  /** GET /api/v1/topology/{id}/component/{component}?window=…: one component's executors and errors. */
  async component(id: string, componentId: string, window: number | ':all-time' = 600): Promise<ComponentStats> {
    const path = `/api/v1/topology/${encodeURIComponent(id)}/component/${encodeURIComponent(componentId)}?window=${encodeURIComponent(String(window))}`;
    return parseComponent(await this.get<Partial<UiComponentJson>>(path));
  }

  /**
   * GET /api/v1/topology/{id}/squall/metrics: the components' own measurements, which only `squall run --ui`
   * serves (a Storm UI answers 404: then null, and the caller reads them from worker logs or does without).
   */
  async squallMetrics(id: string): Promise<TaskMetrics[] | null> {
    try {
      const json = await this.get<{ metrics?: unknown }>(`/api/v1/topology/${encodeURIComponent(id)}/squall/metrics`);
      return Array.isArray(json.metrics) ? (json.metrics as TaskMetrics[]) : [];
    } catch (err) {
      if (err instanceof StormUiError && err.status === 404) return null;
      throw err;
    }
  }

  private url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  private async get<T>(path: string): Promise<T> {
    const url = this.url(path);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const seconds = `${(this.timeoutMs / 1000).toFixed(this.timeoutMs % 1000 === 0 ? 0 : 1)}s`;
    try {
      let response: Response;
      let body: string;
      try {
        response = await this.fetchImpl(url, { signal: controller.signal, headers: { accept: 'application/json' } });
        // The body is read under the same deadline: a server can send headers and then stall.
        body = await response.text();
      } catch (err) {
        if (controller.signal.aborted) {
          throw new StormUiError(`Storm UI did not answer GET ${url} within ${seconds} (timeout): check the UI is up and ui.port is right`, url);
        }
        throw new StormUiError(`cannot reach Storm UI at GET ${url}: ${describeFetchError(err)}`, url);
      }
      if (!response.ok) {
        const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
        const detail = errorDetail(body);
        throw new StormUiError(`Storm UI answered ${status} to GET ${url}${detail ? `: ${detail}` : ''}`, url, response.status);
      }
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      // Every endpoint squall reads answers an object; anything else means the URL points at something else.
      if (typeof json !== 'object' || json === null || Array.isArray(json)) {
        throw new StormUiError(
          `Storm UI answered GET ${url} with something that is not its JSON (${JSON.stringify(body.slice(0, 80))}): is ${this.baseUrl} the Storm UI (ui.port, default 8080)?`,
          url,
          response.status,
        );
      }
      return json as T;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** fetch's TypeError says only "fetch failed"; the useful part (ECONNREFUSED, ENOTFOUND) is in its cause. */
function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code) return `${cause.code}${cause.message && !cause.message.includes(cause.code) ? ` (${cause.message})` : ''}`;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** The first line of the UI's error JSON (`{"error": ..., "errorMessage": <stack trace>}`) or of a plain body. */
function errorDetail(body: string): string {
  let detail = body;
  try {
    const json = JSON.parse(body) as { errorMessage?: unknown; error?: unknown };
    detail = text(json.errorMessage) || text(json.error) || body;
  } catch {
    // Not JSON: a proxy's or Jetty's HTML error page says the most in its <title>; else plain text.
    const title = /<title>([^<]*)<\/title>/i.exec(body);
    if (title) detail = title[1] ?? '';
    else if (body.trimStart().startsWith('<')) detail = '';
  }
  const line = detail.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '') ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
