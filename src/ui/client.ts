/**
 * A small read-only client for the Storm UI REST API (`ui.port`, default 8080, base `/api/v1`).
 *
 * The UI's JSON is loosely typed: latencies and capacity are strings ("0.048"), counts are usually numbers but some
 * versions and proxies send strings, and absent values come as null or "". So the wire shapes below say what may
 * arrive, and `parse*` turns them into plain numbers (null when a value is missing or not numeric) once, here,
 * so formatting and `--json` never see a string where a number belongs. Each UI field is named once, in a field
 * table below: the table gives both the wire shape (the UI's key) and the parsed shape (squall's name), and drives
 * the parsing.
 *
 * Every request has a deadline (AbortController): a UI behind a dead proxy or a firewall that drops packets would
 * otherwise hang `squall stats` forever. Every failure names the URL, so the user can try it with curl.
 *
 * How a Storm UI fails (storm-webapp's exception mappers): every exception becomes HTTP 500 with
 * `{"error": "500 Server Error", "errorMessage": …}` — a path it does not serve (JAX-RS NotFoundException), a
 * topology that is not alive (NotAliveException) and a broken Nimbus link alike; only AuthorizationException is 401.
 * `errorMessage` is the whole Java stack trace up to 2.8.5 and only the exception's message from 2.8.6. So a status
 * alone never means "not served" or "no such topology": the client names the topology when the error text says
 * NotAliveException, and asks squall's own endpoint only when the topology page advertised it.
 */
import type { TaskMetrics } from '../wire/metrics-line.js';

// ---------------------------------------------------------------------------------------------------------------
// Field tables: squall's name → the UI's key and how its value is read.

/** A number as the UI may send it: a JSON number, a numeric string, or null / "" when it has none. */
export type UiNumber = number | string | null;

type Kind = 'number' | 'text' | 'textOrNull';
interface UiField<W extends string = string, K extends Kind = Kind, O extends boolean = boolean> {
  /** The UI's JSON key. */
  readonly wire: W;
  /** number → number | null; text → string ("" when absent); textOrNull → string | null (null when absent or ""). */
  readonly kind: K;
  /** Whether the UI may leave the key out. */
  readonly optional: O;
}
type UiFields = Record<string, UiField>;

const number = <W extends string, O extends boolean = false>(wire: W, optional?: O): UiField<W, 'number', O> => ({ wire, kind: 'number', optional: (optional ?? false) as O });
const text = <W extends string>(wire: W): UiField<W, 'text', false> => ({ wire, kind: 'text', optional: false });
const textOrNull = <W extends string, O extends boolean = false>(wire: W, optional?: O): UiField<W, 'textOrNull', O> => ({
  wire,
  kind: 'textOrNull',
  optional: (optional ?? false) as O,
});

type WireValue<F> = F extends UiField<string, 'number'> ? UiNumber : F extends UiField<string, 'text'> ? string : string | null;
type ParsedValue<F> = F extends UiField<string, 'number'> ? number | null : F extends UiField<string, 'text'> ? string : string | null;
/** What the UI sends for a field table. */
type UiJson<T extends UiFields> = { [K in keyof T as T[K]['optional'] extends true ? never : T[K]['wire']]: WireValue<T[K]> } & {
  [K in keyof T as T[K]['optional'] extends true ? T[K]['wire'] : never]?: WireValue<T[K]>;
};
/** What squall works with for a field table: numbers are numbers, absent is null. */
type Parsed<T extends UiFields> = { -readonly [K in keyof T]: ParsedValue<T[K]> };

/** GET /api/v1/topology/summary, one of `topologies[]`; also the head of a topology page. */
const TOPOLOGY_SUMMARY = {
  id: text('id'),
  name: text('name'),
  status: text('status'),
  uptimeSeconds: number('uptimeSeconds'),
  tasks: number('tasksTotal'),
  workers: number('workersTotal'),
  executors: number('executorsTotal'),
} as const;

/** The tuple counts every row of figures carries (topology, spout, bolt, executor). */
const COUNTS = {
  emitted: number('emitted'),
  transferred: number('transferred'),
  acked: number('acked'),
  failed: number('failed'),
} as const;

/** One row of `topologyStats[]`: the whole topology over one window. */
const WINDOW_TOTALS = { ...COUNTS, completeLatencyMs: number('completeLatency') } as const;

/** A component's size in the spouts[] and bolts[] rows and on its own page. */
const SIZE = { executors: number('executors'), tasks: number('tasks') } as const;

/** The last-error fields shared by spouts[] and bolts[] ("" / null when there is none). */
const LAST_ERROR = {
  message: textOrNull('lastError'),
  host: textOrNull('errorHost', true),
  port: number('errorPort', true),
  lapsedSecs: number('errorLapsedSecs', true),
} as const;

const SPOUT = { id: text('spoutId'), ...SIZE, ...COUNTS, completeLatencyMs: number('completeLatency') } as const;

const BOLT = {
  id: text('boltId'),
  ...SIZE,
  ...COUNTS,
  executed: number('executed'),
  executeLatencyMs: number('executeLatency'),
  processLatencyMs: number('processLatency'),
  /** The busiest executor's capacity over the last 10 minutes (Storm computes it so whatever window is asked). */
  capacity: number('capacity'),
} as const;

/** One executor of a component. Bolts send executed/executeLatency/processLatency/capacity, spouts completeLatency. */
const EXECUTOR = {
  /** `"[first-last]"`: the executor's task range, as the UI shows it. */
  id: text('id'),
  host: text('host'),
  port: number('port'),
  uptimeSeconds: number('uptimeSeconds'),
  ...COUNTS,
  executed: number('executed', true),
  executeLatencyMs: number('executeLatency', true),
  processLatencyMs: number('processLatency', true),
  capacity: number('capacity', true),
  completeLatencyMs: number('completeLatency', true),
} as const;

const COMPONENT_ERROR = {
  message: text('error'),
  host: textOrNull('errorHost', true),
  port: number('errorPort', true),
  lapsedSecs: number('errorLapsedSecs', true),
  /** Seconds since the epoch (UIHelpers sends ErrorInfo.error_time_secs): squall shows lapsedSecs instead. */
  time: number('errorTime', true),
} as const;

/** The head of a component page. */
const COMPONENT = {
  /** The component id. */
  id: text('id'),
  topologyName: text('name'),
  topologyId: text('topologyId'),
  ...SIZE,
} as const;

/** GET /api/v1/supervisor/summary, one of `supervisors[]` (UIHelpers' supervisor map). */
const SUPERVISOR = {
  id: text('id'),
  host: text('host'),
  uptimeSeconds: number('uptimeSeconds'),
  slotsTotal: number('slotsTotal'),
  slotsUsed: number('slotsUsed'),
  /**
   * `supervisor.cpu.capacity` as the supervisor declares it (Storm's resource unit: 100 = one core; default 400.0).
   * It is configured, not measured: a supervisor left at the default claims 4 cores whatever its host has.
   */
  totalCpu: number('totalCpu'),
  /** CPU the scheduler has assigned to workers there (same unit), not CPU measured in use. */
  usedCpu: number('usedCpu'),
  totalMemMb: number('totalMem'),
  usedMemMb: number('usedMem'),
} as const;

function parseFields<T extends UiFields>(fields: T, json: object): Parsed<T> {
  const values = json as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields)) {
    const value = values[field.wire];
    out[key] = field.kind === 'number' ? parseNumber(value) : field.kind === 'text' ? textOf(value) : textOf(value) || null;
  }
  return out as Parsed<T>;
}

// ---------------------------------------------------------------------------------------------------------------
// Wire shapes (what the UI sends). Only the fields squall reads, and a few it serves from `squall run --ui`.

export interface UiTopologySummaryJson extends UiJson<typeof TOPOLOGY_SUMMARY> {
  uptime?: string;
}

export interface UiTopologySummaryListJson {
  topologies: UiTopologySummaryJson[];
}

/** ("600", "10800", "86400", ":all-time") */
export interface UiWindowStatsJson extends UiJson<typeof WINDOW_TOTALS> {
  window: string;
  windowPretty?: string;
}

export interface UiLastErrorJson extends UiJson<typeof LAST_ERROR> {
  errorTime?: UiNumber;
  errorWorkerLogLink?: string | null;
}

export type UiSpoutJson = UiLastErrorJson & UiJson<typeof SPOUT>;
export type UiBoltJson = UiLastErrorJson & UiJson<typeof BOLT>;

export interface UiTopologyJson extends UiTopologySummaryJson {
  /** The window asked for, as a string ("600"), or ":all-time". */
  window: string;
  windowHint?: string;
  msgTimeout?: UiNumber;
  topologyStats: UiWindowStatsJson[];
  spouts: UiSpoutJson[];
  bolts: UiBoltJson[];
  configuration?: Record<string, unknown>;
  /**
   * Not Storm's: `squall run --ui` names here the path of its components' own measurements
   * (/api/v1/topology/{id}/squall/metrics). A Storm UI never sends it, so squall never asks a Storm UI for that path.
   */
  squallMetrics?: string;
  /** Not Storm's either: where `squall run --ui` serves the topology's graph (with its groupings). */
  squallTopology?: string;
}

export interface UiExecutorJson extends UiJson<typeof EXECUTOR> {
  uptime?: string;
  workerLogLink?: string;
}

export interface UiComponentErrorJson extends UiJson<typeof COMPONENT_ERROR> {
  errorWorkerLogLink?: string | null;
}

export type UiSupervisorJson = UiJson<typeof SUPERVISOR>;

export interface UiSupervisorSummaryJson {
  supervisors: UiSupervisorJson[];
}

export interface UiComponentJson extends UiJson<typeof COMPONENT> {
  /** "spout" / "bolt" (upper case in some versions). */
  componentType: string;
  window: string;
  windowHint?: string;
  executorStats: UiExecutorJson[];
  componentErrors: UiComponentErrorJson[];
}

// ---------------------------------------------------------------------------------------------------------------
// Parsed shapes (what squall works with).

/** A topology as the Storm UI lists it (not Nimbus's TopologySummary, which nimbus/client.ts reads over Thrift). */
export type UiTopologySummary = Parsed<typeof TOPOLOGY_SUMMARY>;
export type LastError = Parsed<typeof LAST_ERROR> & { message: string };
export type SpoutStats = Parsed<typeof SPOUT> & { lastError: LastError | null };
export type BoltStats = Parsed<typeof BOLT> & { lastError: LastError | null };
export type WindowTotals = Parsed<typeof WINDOW_TOTALS>;

export interface TopologyStats extends UiTopologySummary {
  /** Seconds, or null for all time. */
  windowSecs: number | null;
  /** The UI's own wording of the window ("10m 0s", "All time"). */
  windowLabel: string;
  /** `topology.stats.sample.rate` from the topology's configuration, when the UI sent it. */
  sampleRate: number | null;
  /** The topology's configuration as the cluster runs it (empty when the UI sent none). */
  configuration: Record<string, unknown>;
  /** The topology-wide row of `topologyStats[]` for the requested window. */
  totals: WindowTotals | null;
  spouts: SpoutStats[];
  bolts: BoltStats[];
  /** Where this UI serves squall's own measurements (only `squall run --ui` does); null on a Storm UI. */
  squallMetricsPath: string | null;
  /** Where this UI serves the topology's graph (only `squall run --ui` does); null on a Storm UI. */
  squallTopologyPath: string | null;
}

/** Bolt-only figures are null for spouts, completeLatencyMs null for bolts. */
export type ExecutorStats = Parsed<typeof EXECUTOR> & { firstTask: number | null; lastTask: number | null };
export type ComponentError = Parsed<typeof COMPONENT_ERROR>;

/** One component as the Storm UI reports it (not the embedded runtime's ComponentStats, which `squall run` counts). */
export interface UiComponentStats extends Parsed<typeof COMPONENT> {
  kind: 'spout' | 'bolt';
  windowSecs: number | null;
  windowLabel: string;
  executorStats: ExecutorStats[];
  errors: ComponentError[];
}

export type SupervisorStats = Parsed<typeof SUPERVISOR>;

/** The cores the supervisors offer, for bounding what more processes can give (Storm's 100 CPU units = 1 core). */
export interface SupervisorCores {
  /** Every supervisor's declared cores added up (0 when the UI lists no supervisor). */
  totalCores: number;
  /** Cores the scheduler has assigned to workers, added up. */
  usedCores: number;
  supervisors: Array<{ id: string; host: string; cores: number | null; usedCores: number | null; slotsTotal: number | null; slotsUsed: number | null }>;
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

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : value == null ? '' : String(value);
}

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

function lastError(json: object): LastError | null {
  const error = parseFields(LAST_ERROR, json);
  const message = (error.message ?? '').trim();
  return message ? { ...error, message } : null;
}

/** "600" → 600; ":all-time" (or anything else) → null. */
function windowSecs(window: unknown): number | null {
  return parseNumber(window);
}

function windowLabel(secs: number | null, hint: unknown): string {
  const given = textOf(hint);
  if (given) return given;
  return secs === null ? 'All time' : `${secs}s`;
}

export function parseTopologySummary(json: Partial<UiTopologySummaryJson>): UiTopologySummary {
  return parseFields(TOPOLOGY_SUMMARY, json);
}

export function parseTopology(json: Partial<UiTopologyJson>): TopologyStats {
  const secs = windowSecs(json.window);
  const window = textOf(json.window);
  // The page lists every window (600, 10800, 86400, all time); the totals row is the one that was asked for.
  const row = list<Partial<UiWindowStatsJson>>(json.topologyStats).find((w) => textOf(w.window) === window);
  return {
    ...parseFields(TOPOLOGY_SUMMARY, json),
    windowSecs: secs,
    windowLabel: windowLabel(secs, json.windowHint),
    sampleRate: parseNumber(json.configuration?.['topology.stats.sample.rate']),
    configuration: json.configuration && typeof json.configuration === 'object' ? json.configuration : {},
    totals: row ? parseFields(WINDOW_TOTALS, row) : null,
    spouts: list<Partial<UiSpoutJson>>(json.spouts).map((s) => ({ ...parseFields(SPOUT, s), lastError: lastError(s) })),
    bolts: list<Partial<UiBoltJson>>(json.bolts).map((b) => ({ ...parseFields(BOLT, b), lastError: lastError(b) })),
    squallMetricsPath: textOf(json.squallMetrics).startsWith('/') ? textOf(json.squallMetrics) : null,
    squallTopologyPath: textOf(json.squallTopology).startsWith('/') ? textOf(json.squallTopology) : null,
  };
}

export function parseSupervisors(json: Partial<UiSupervisorSummaryJson>): SupervisorStats[] {
  return list<Partial<UiSupervisorJson>>(json.supervisors).map((s) => parseFields(SUPERVISOR, s));
}

/** Storm's CPU unit: `supervisor.cpu.capacity` and the scheduler count 100 per core. */
export const CPU_UNITS_PER_CORE = 100;

/** Cores from the supervisor summary: totalCpu / 100 per supervisor, added up. */
export function coresOf(supervisors: SupervisorStats[]): SupervisorCores {
  const cores = (cpu: number | null) => (cpu === null ? null : cpu / CPU_UNITS_PER_CORE);
  // Added up in CPU units, then divided: 60 + 70 units is 1.3 cores, not 0.6 + 0.7 = 1.2999….
  const units = (pick: (s: SupervisorStats) => number | null) => supervisors.reduce((n, s) => n + (pick(s) ?? 0), 0);
  return {
    totalCores: cores(units((s) => s.totalCpu))!,
    usedCores: cores(units((s) => s.usedCpu))!,
    supervisors: supervisors.map((s) => ({ id: s.id, host: s.host, cores: cores(s.totalCpu), usedCores: cores(s.usedCpu), slotsTotal: s.slotsTotal, slotsUsed: s.slotsUsed })),
  };
}

/** `"[3-4]"` → [3, 4]; anything else → nulls (the id is still shown as sent). */
export function parseExecutorRange(id: string): [number | null, number | null] {
  const match = /^\[\s*(\d+)\s*-\s*(\d+)\s*\]$/.exec(id.trim());
  return match ? [Number(match[1]), Number(match[2])] : [null, null];
}

export function parseComponent(json: Partial<UiComponentJson>): UiComponentStats {
  const executors = list<Partial<UiExecutorJson>>(json.executorStats);
  const type = textOf(json.componentType).toLowerCase();
  // Older UIs may omit componentType: a spout's executors are the ones reporting a complete latency.
  const kind = type === 'spout' || type === 'bolt' ? type : executors.some((e) => e.completeLatency !== undefined) ? 'spout' : 'bolt';
  const secs = windowSecs(json.window);
  return {
    ...parseFields(COMPONENT, json),
    kind,
    windowSecs: secs,
    windowLabel: windowLabel(secs, json.windowHint),
    executorStats: executors.map((e) => {
      const fields = parseFields(EXECUTOR, e);
      const [firstTask, lastTask] = parseExecutorRange(fields.id);
      return { ...fields, firstTask, lastTask };
    }),
    errors: list<Partial<UiComponentErrorJson>>(json.componentErrors)
      .filter((e) => textOf(e.error).trim() !== '')
      .map((e) => parseFields(COMPONENT_ERROR, e)),
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
    /** 'not-alive': the UI said the topology asked for does not run (NotAliveException). */
    readonly reason?: 'not-alive',
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
  async topologySummary(): Promise<UiTopologySummary[]> {
    const json = await this.get<Partial<UiTopologySummaryListJson>>('/api/v1/topology/summary');
    return list<Partial<UiTopologySummaryJson>>(json.topologies).map(parseTopologySummary);
  }

  /**
   * The running topology called `name` (its `.id` is what the other calls take). Names are what users know; ids
   * (`wordcount-3-1700000000`) change with every submit.
   */
  async findTopology(name: string): Promise<UiTopologySummary> {
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
    const json = await this.get<Partial<UiTopologyJson>>(`/api/v1/topology/${encodeURIComponent(id)}?window=${encodeURIComponent(String(window))}`, id);
    return parseTopology(json);
  }

  /** GET /api/v1/topology/{id}/component/{component}?window=…: one component's executors and errors. */
  async component(id: string, componentId: string, window: number | ':all-time' = 600): Promise<UiComponentStats> {
    const path = `/api/v1/topology/${encodeURIComponent(id)}/component/${encodeURIComponent(componentId)}?window=${encodeURIComponent(String(window))}`;
    const page = parseComponent(await this.get<Partial<UiComponentJson>>(path, id));
    // Storm answers an id the topology does not have with an empty spout page (StatsUtil.componentType calls any
    // id that is not a bolt a spout): a real component has at least one task.
    if (page.tasks === 0 && page.executorStats.length === 0) {
      const known = await this.topology(id, window).then(
        (t) => [...t.spouts, ...t.bolts].map((c) => c.id).join(', '),
        () => '',
      );
      throw new StormUiError(`topology ${id} has no component "${componentId}"${known ? `; its components: ${known}` : ''}`, this.url(path));
    }
    return page;
  }

  /** GET /api/v1/supervisor/summary: every supervisor with its slots and declared CPU and memory. */
  async supervisors(): Promise<SupervisorStats[]> {
    return parseSupervisors(await this.get<Partial<UiSupervisorSummaryJson>>('/api/v1/supervisor/summary'));
  }

  /**
   * The cores the cluster's supervisors offer (`squall run --ui` reports this machine's), to bound what more
   * processes can give a CPU-bound component. Declared, not measured: see SUPERVISOR.totalCpu.
   */
  async supervisorCores(): Promise<SupervisorCores> {
    return coresOf(await this.supervisors());
  }

  /**
   * The components' own measurements, which only `squall run --ui` serves, at the path its topology page names
   * (`squallMetrics`). A Storm UI names none: then null without a request (the caller reads the worker logs or
   * does without). Asking a Storm UI anyway would get HTTP 500, the same answer as for a broken cluster.
   */
  async squallMetrics(topology: Pick<TopologyStats, 'id' | 'squallMetricsPath'>): Promise<TaskMetrics[] | null> {
    if (topology.squallMetricsPath === null) return null;
    const json = await this.get<{ metrics?: unknown }>(topology.squallMetricsPath, topology.id);
    return Array.isArray(json.metrics) ? (json.metrics as TaskMetrics[]) : [];
  }

  /**
   * The topology's graph as `squall run --ui` serves it, at the path its topology page names (`squallTopology`);
   * null without a request on a Storm UI, which names none. Unchecked JSON: the caller checks its shape.
   */
  async squallTopology(topology: Pick<TopologyStats, 'id' | 'squallTopologyPath'>): Promise<unknown> {
    if (topology.squallTopologyPath === null) return null;
    return (await this.get<{ topology?: unknown }>(topology.squallTopologyPath, topology.id)).topology ?? null;
  }

  private url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** GET `path`; `topologyId`, for a page of one topology, names it when the UI says it is not alive. */
  private async get<T>(path: string, topologyId?: string): Promise<T> {
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
      if (!response.ok) throw this.httpError(url, response, body, topologyId);
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

  private httpError(url: string, response: Response, body: string, topologyId: string | undefined): StormUiError {
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    const detail = errorDetail(body);
    const answered = `Storm UI answered ${status} to GET ${url}${detail ? `: ${detail}` : ''}`;
    // A Storm UI answers 500 for a topology that is gone, as for any failure: only the error text tells them apart.
    if (topologyId !== undefined && /NotAliveException/.test(errorText(body))) {
      return new StormUiError(
        `topology ${topologyId} is not running on ${this.baseUrl} (the UI says NotAliveException): it was killed or never submitted; \`squall list\` shows what runs`,
        url,
        response.status,
        'not-alive',
      );
    }
    if (response.status === 401) {
      return new StormUiError(`${answered}: the UI refused this user (AuthorizationException); ask for the topology's read permission (nimbus.authorizer, topology.users)`, url, response.status);
    }
    return new StormUiError(answered, url, response.status);
  }
}

/** fetch's TypeError says only "fetch failed"; the useful part (ECONNREFUSED, ENOTFOUND) is in its cause. */
function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code) return `${cause.code}${cause.message && !cause.message.includes(cause.code) ? ` (${cause.message})` : ''}`;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** The UI's error text: `errorMessage` of its error JSON (a stack trace up to 2.8.5, a message since), else the body. */
function errorText(body: string): string {
  try {
    const json = JSON.parse(body) as { errorMessage?: unknown; error?: unknown };
    return textOf(json.errorMessage) || textOf(json.error) || body;
  } catch {
    return body;
  }
}

/** The first line of the UI's error JSON (`{"error": ..., "errorMessage": <stack trace>}`) or of a plain body. */
function errorDetail(body: string): string {
  let detail = errorText(body);
  if (detail === body) {
    // Not JSON: a proxy's or Jetty's HTML error page says the most in its <title>; else plain text.
    const title = /<title>([^<]*)<\/title>/i.exec(body);
    if (title) detail = title[1] ?? '';
    else if (body.trimStart().startsWith('<')) detail = '';
  }
  const line = detail.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '') ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
