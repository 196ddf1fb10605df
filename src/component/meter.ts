/**
 * Measures a task from the inside, for `squall doctor`: time in user handlers, CPU, tuples handled and emitted,
 * and for a bolt fed by a fields grouping the heaviest keys. Storm's UI cannot give these for a multi-lang
 * component (its executeLatency is only the hand-off to the subprocess). The hot path costs two clock reads and
 * a few additions per tuple; everything else happens once per interval.
 */
import { performance } from 'node:perf_hooks';
import { taskIndex } from '../grouping/fields-hash.js';
import { formatMetricsLine, isSourceMetrics, type SourceMetrics, type TaskMetrics } from '../wire/metrics-line.js';

/** Keys a bolt tracks exactly (Space-Saving): any key over 1/KEY_SLOTS of the input is among them. */
export const KEY_SLOTS = 32;
/**
 * For task counts 2..SPREAD_TASKS, how many keyed tuples would land on each task (Storm's grouping hash modulo
 * the count): summed over a component's tasks, the exact spread of its input at any of those counts.
 */
export const SPREAD_TASKS = 16;

/**
 * What a spout reports of its source when the meter flushes: the gauges as last sampled, and its counts since it
 * started (the meter turns them into counts per interval, so the spout keeps running totals and never resets them).
 */
export type SourceReading = Pick<SourceMetrics, 'kind' | 'name' | 'group' | 'lag' | 'pending' | 'sampledAt'> & {
  totals: Pick<SourceMetrics, 'read' | 'replayed' | 'deadLettered' | 'claimed'>;
};

export class Meter {
  private executed = 0;
  private nexts = 0;
  private emptyNexts = 0;
  /** Spouts: commands answered, and the wall time from each command's arrival to its `sync`. */
  private commands = 0;
  private commandMs = 0;
  /**
   * Spouts: the gaps from a `sync` to the next command, as a log-scale histogram. The pending limit, back-pressure
   * and the wait strategy only ever lengthen a gap, so the short end (GAP_QUANTILE) is Storm's turnaround alone.
   */
  private gaps = new Array<number>(GAP_BUCKETS).fill(0);
  private turnarounds = 0;
  private syncedAt: number | undefined;
  private busyMs = 0;
  /** Of busyMs: handlers running on the event loop (call to return), and with their promise outstanding. */
  private loopMs = 0;
  private awaitMs = 0;
  private keyed = 0;
  private emitted: Record<string, number> = {};
  private readonly keys = new Map<string, number>();
  /** spread[n - 2][i]: keyed tuples whose hash picks task index i of n. */
  private spread: number[][] = newSpread();
  private startedAt = performance.now();
  private cpuAtStart = process.cpuUsage();
  private timer: NodeJS.Timeout | undefined;
  /** Spouts: where the source block comes from, and what it said at the previous flush. */
  private sourceReader: (() => SourceReading | undefined) | undefined;
  private totalsBefore: SourceReading['totals'] | undefined;
  /** The lag sample the previous flush reported, and the one before it (the spout samples on its own schedule). */
  private lastSample: { lag: number; at: number } | undefined;
  private sampleBefore: { lag: number; at: number } | undefined;

  constructor(
    private readonly component: string,
    private readonly task: number,
    private readonly kind: 'spout' | 'bolt',
    private readonly concurrency: number,
  ) {}

  /** Send a line every `intervalSecs` through `send` (a component log); 0 sends none. */
  start(intervalSecs: number, send: (line: string) => void): void {
    if (!(intervalSecs > 0)) return;
    this.timer = setInterval(() => send(this.flush()), intervalSecs * 1000);
    this.timer.unref(); // never what keeps a finished component alive
  }

  /**
   * Ask `read` for the source block at every flush. The flush is synchronous: `read` returns what the spout already
   * knows (it refreshes its gauges on its own schedule), never waiting for the source.
   */
  readSource(read: () => SourceReading | undefined): void {
    this.sourceReader = read;
  }

  /** The clock at the start of a handler. */
  now(): number {
    return performance.now();
  }

  /**
   * A handler that started at `since` has finished one tuple (bolt) or one call (spout). `returnedAt`: when an async
   * handler returned its promise; from then until now the handler awaited (the task could overlap other work), while
   * before it the handler held the event loop. A synchronous handler held it throughout: more tuples at once cannot
   * help it, whatever its CPU share says (on a starved host a CPU-bound handler shows little CPU per wall second).
   */
  handled(since: number, counts = true, returnedAt?: number): void {
    const now = performance.now();
    const returned = returnedAt ?? now;
    this.busyMs += now - since;
    this.loopMs += returned - since;
    this.awaitMs += now - returned;
    if (counts) this.executed++;
  }

  /** Time in a handler that handled no tuple of its own (a spout's ack/fail, a bolt's tick). */
  busy(since: number): void {
    const ms = performance.now() - since;
    this.busyMs += ms;
    this.loopMs += ms;
  }

  /** A spout answered a `next`: with at least one emit, or empty-handed (its source had nothing). */
  next(emitted: boolean): void {
    this.nexts++;
    if (!emitted) this.emptyNexts++;
  }

  /** A command from Storm reached a spout (before its handler runs). */
  commandArrived(): number {
    const now = performance.now();
    if (this.syncedAt !== undefined) {
      const ms = now - this.syncedAt;
      this.gaps[gapBucket(ms)]!++;
      this.turnarounds++;
    }
    this.syncedAt = undefined;
    return now;
  }

  /** A spout answered a command that arrived at `since`, its own time ending at `doneAt` (before any idle back-off). */
  synced(since: number, doneAt: number): void {
    this.commands++;
    this.commandMs += doneAt - since;
    this.syncedAt = performance.now();
  }

  /** A spout emitted a root tuple with a message id (its unit of work). */
  root(): void {
    this.executed++;
  }

  emit(stream: string): void {
    this.emitted[stream] = (this.emitted[stream] ?? 0) + 1;
  }

  /**
   * Count the key of a tuple that arrived through a fields grouping (Space-Saving, KEY_SLOTS counters), and where
   * its grouping hash would send it at other task counts.
   */
  key(key: string, hash: number): void {
    this.keyed++;
    for (let n = 2; n <= SPREAD_TASKS; n++) this.spread[n - 2]![taskIndex(hash, n)]!++;
    const count = this.keys.get(key);
    if (count !== undefined) {
      this.keys.set(key, count + 1);
      return;
    }
    if (this.keys.size < KEY_SLOTS) {
      this.keys.set(key, 1);
      return;
    }
    // Replace the smallest counter; the newcomer inherits its count (an overestimate by at most that much).
    let minKey = '';
    let min = Infinity;
    for (const [k, c] of this.keys) {
      if (c < min) {
        min = c;
        minKey = k;
      }
    }
    this.keys.delete(minKey);
    this.keys.set(key, min + 1);
  }

  /** The interval's measurements as a log line; starts the next interval. */
  flush(): string {
    return formatMetricsLine(this.take());
  }

  /** The interval's measurements; starts the next interval. */
  take(): TaskMetrics {
    const now = performance.now();
    const cpu = process.cpuUsage(this.cpuAtStart);
    const metrics: TaskMetrics = {
      v: 1,
      component: this.component,
      task: this.task,
      kind: this.kind,
      at: Date.now(),
      secs: round((now - this.startedAt) / 1000),
      executed: this.executed,
      busySecs: round(this.busyMs / 1000),
      loopSecs: round(this.loopMs / 1000),
      awaitSecs: round(this.awaitMs / 1000),
      cpuSecs: round((cpu.user + cpu.system) / 1e6),
      emitted: this.emitted,
      concurrency: this.concurrency,
    };
    if (this.kind === 'spout') {
      metrics.nexts = this.nexts;
      metrics.emptyNexts = this.emptyNexts;
      metrics.commands = this.commands;
      metrics.commandSecs = round(this.commandMs / 1000);
      metrics.turnarounds = this.turnarounds;
      metrics.turnaroundSecs = round(gapQuantileMs(this.gaps, this.turnarounds) / 1000);
    }
    const source = this.sourceNow();
    if (source) metrics.source = source;
    if (this.keyed > 0) {
      metrics.keys = [...this.keys].sort((a, b) => b[1] - a[1]).slice(0, 10);
      metrics.keyed = this.keyed;
      metrics.spread = this.spread;
      this.spread = newSpread();
    }
    this.startedAt = now;
    this.cpuAtStart = process.cpuUsage();
    this.executed = 0;
    this.nexts = 0;
    this.emptyNexts = 0;
    this.commands = 0;
    this.commandMs = 0;
    this.turnarounds = 0;
    this.gaps.fill(0);
    this.busyMs = 0;
    this.loopMs = 0;
    this.awaitMs = 0;
    this.keyed = 0;
    this.emitted = {};
    this.keys.clear();
    return metrics;
  }

  /** The source block for this interval: the gauges now and at the previous flush, the totals' change since then. */
  private sourceNow(): SourceMetrics | undefined {
    try {
      return this.sourceBlock();
    } catch {
      // The flush runs in a timer: a hook that throws (or returns no totals) loses its block, not the line or the process.
      return undefined;
    }
  }

  private sourceBlock(): SourceMetrics | undefined {
    const now = this.sourceReader?.();
    if (!now) return undefined;
    const before = this.totalsBefore;
    this.totalsBefore = { ...now.totals };
    // The lag before: the newest sample older than this one (a flush that found no new sample keeps the older one).
    if (now.lag !== null && now.sampledAt !== null && now.sampledAt !== this.lastSample?.at) {
      this.sampleBefore = this.lastSample;
      this.lastSample = { lag: now.lag, at: now.sampledAt };
    }
    const start = now.sampledAt !== null && now.sampledAt === this.lastSample?.at ? this.sampleBefore : undefined;
    const since = (k: keyof SourceReading['totals']): number => Math.max(0, (now.totals[k] ?? 0) - (before?.[k] ?? 0));
    const block: SourceMetrics = {
      kind: now.kind,
      name: now.name,
      ...(now.group !== undefined ? { group: now.group } : {}),
      lag: now.lag,
      pending: now.pending,
      sampledAt: now.sampledAt,
      lagBefore: start?.lag ?? null,
      lagBeforeAt: start?.at ?? null,
      read: since('read'),
      replayed: since('replayed'),
      deadLettered: since('deadLettered'),
      ...(now.totals.claimed !== undefined ? { claimed: since('claimed') } : {}),
    };
    // A hook's bad value (NaN, a string) would make the whole line unreadable: only the block is dropped.
    return isSourceMetrics(block) ? block : undefined;
  }
}

/** Gap histogram: bucket i holds gaps up to GAP_FLOOR_MS × GAP_STEP^i ms (the last, everything longer). */
const GAP_BUCKETS = 64;
const GAP_FLOOR_MS = 0.01;
const GAP_STEP = 1.25;
/** The share of gaps, shortest first, taken as Storm's turnaround. */
const GAP_QUANTILE = 0.1;

function gapBucket(ms: number): number {
  if (!(ms > GAP_FLOOR_MS)) return 0;
  return Math.min(GAP_BUCKETS - 1, Math.ceil(Math.log(ms / GAP_FLOOR_MS) / Math.log(GAP_STEP)));
}

/** The GAP_QUANTILE gap (the middle of its bucket), 0 without gaps. */
export function gapQuantileMs(gaps: readonly number[], count: number): number {
  if (count === 0) return 0;
  let seen = 0;
  for (let i = 0; i < gaps.length; i++) {
    seen += gaps[i]!;
    if (seen >= GAP_QUANTILE * count) return i === 0 ? GAP_FLOOR_MS : GAP_FLOOR_MS * GAP_STEP ** (i - 0.5);
  }
  return GAP_FLOOR_MS * GAP_STEP ** (gaps.length - 1);
}

function newSpread(): number[][] {
  return Array.from({ length: SPREAD_TASKS - 1 }, (_, i) => new Array<number>(i + 2).fill(0));
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;
