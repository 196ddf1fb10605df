import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProtocolError, stringifyMessage } from '../wire/codec.js';
import type { Handshake, LogLevelName, LogLevelNumber, TaskIdsMessage } from '../wire/messages.js';
import { LogLevel } from '../wire/messages.js';
import { decodeValues, encodeValues } from '../wire/values.js';
import { encodeNested, logLevel, metricsIntervalSecs } from '../config/keys.js';
import { Meter } from './meter.js';
import type { StormConnection } from './connection.js';
import { ExitCode } from './connection.js';
import { TopologyContext } from './context.js';
import { receive, start } from './lifecycle.js';

/** Options every component shares; set them as static fields or pass them to the constructor. */
export interface ComponentOptions {
  /**
   * Exit the process after user code throws (default true, like pystorm's `exit_on_exception`): Storm restarts
   * the worker, and tuples in flight are replayed by their spouts. Turn off to report and carry on.
   */
  exitOnException?: boolean;
  /** Lowest level sent to Storm's log (default INFO, or the conf key `squall.log.level`). */
  logLevel?: LogLevelName;
  /**
   * Allow the `metrics` command. Off by default because a plain shell component has no Java metric registered,
   * and Storm kills the worker on a `metrics` message it cannot route. Turn on only with a Java subclass of
   * ShellBolt/ShellSpout that registers the metric by name.
   */
  allowMetrics?: boolean;
}

/** The defaults of the options every component shares. */
export const COMPONENT_DEFAULTS: Readonly<Required<ComponentOptions>> = { exitOnException: true, logLevel: 'INFO', allowMetrics: false };

/**
 * The one resolution of a component's options, for every class: each key from the constructor's options, else
 * from the class's `static options`, else the class's default. Keys without a default (a connector's `stream`,
 * `url`, …) are carried as given, so a class reads every option from one `this.options`.
 */
export function resolveOptions<O extends object>(given: Partial<O>, declared: Partial<O> | undefined, defaults: Readonly<Required<O>>): Required<O> {
  const resolved = { ...defaults } as Required<O>;
  const keys = new Set([...Object.keys(defaults), ...Object.keys(declared ?? {}), ...Object.keys(given)] as Array<keyof O>);
  for (const key of keys) {
    const value = given[key] ?? declared?.[key] ?? defaults[key];
    if (value !== undefined) resolved[key] = value as Required<O>[keyof O];
  }
  return resolved;
}

export type Conf = Record<string, unknown>;

/** Leveled logging through Storm's worker log. */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Resolves with the task ids a non-direct emit went to, in emit order. */
export type TaskIds = Promise<number[]>;

/**
 * What spouts and bolts share: the handshake, logging, error reporting, task-id replies, and the rule that an
 * exception in user code is reported, logged with its stack, and (by default) ends the process.
 */
export abstract class Component {
  /** Merged topology config from the handshake. */
  conf: Conf = {};
  /** Where this task sits in the topology. */
  context!: TopologyContext;
  readonly options: Required<ComponentOptions>;
  readonly logger: Logger;

  /** The connection to Storm; set by `serve` before `initialize`. */
  protected connection!: StormConnection;
  private minLevel: LogLevelNumber = LogLevel.INFO;
  /** Promises waiting for task-id lists, oldest first (Storm answers in emit order). */
  private readonly taskIdWaiters: Array<(ids: TaskIdsMessage) => void> = [];

  /** `defaults`: the class's default options (a subclass passes its own table, which includes these). */
  constructor(options: ComponentOptions = {}, defaults: Readonly<Required<ComponentOptions>> = COMPONENT_DEFAULTS) {
    this.options = resolveOptions(options, (new.target as { options?: ComponentOptions }).options, defaults);
    this.logger = {
      trace: (m) => this.log(m, 'TRACE'),
      debug: (m) => this.log(m, 'DEBUG'),
      info: (m) => this.log(m, 'INFO'),
      warn: (m) => this.log(m, 'WARN'),
      error: (m) => this.log(m, 'ERROR'),
    };
  }

  /** Called once after the handshake, before any tuple or command. May be async. */
  initialize(_conf: Conf, _context: TopologyContext): void | Promise<void> {}

  /** Send a message to Storm's worker log, if `level` passes the configured threshold. */
  log(message: string, level: LogLevelName = 'INFO'): void {
    const n = LogLevel[level];
    if (n === undefined) throw new Error(`unknown log level "${level}"; use TRACE, DEBUG, INFO, WARN or ERROR`);
    if (n >= this.minLevel) this.connection.log(message, n);
  }

  /** Show an error as this component's last error in the Storm UI (`reportError`). */
  reportError(error: unknown): void {
    this.connection.send({ command: 'error', msg: describeThrown(error) });
  }

  /**
   * Send a metric to a Java-side metric registered under `name`. Refused unless `allowMetrics` is on: with a
   * plain shell component, Storm kills the worker when it receives `metrics`.
   */
  emitMetric(name: string, params: unknown): void {
    if (!this.options.allowMetrics) {
      throw new Error(
        'metrics are off: a plain shell component has no Java metric to receive them and Storm would kill the ' +
          'worker. Set the option allowMetrics: true only when a Java ShellBolt/ShellSpout subclass registers "' +
          name +
          '".',
      );
    }
    this.connection.send({ command: 'metrics', name, params });
  }

  /** Run the handshake: pid file, pid reply, then `initialize` (called by `serve`). */
  async [start](connection: StormConnection, handshake: Handshake): Promise<void> {
    this.connection = connection;
    this.conf = handshake.conf ?? {};
    this.context = new TopologyContext(handshake.context);
    this.minLevel = LogLevel[logLevel(this.conf) ?? this.options.logLevel];
    // Topology-wide on purpose: every component must agree, or a receiver would misread a sender's strings.
    this.encodeNested = encodeNested(this.conf);
    this.meter = this.startMeter();
    await this.initialize(this.conf, this.context);
  }

  /** Spout or bolt, for the measurements. */
  protected abstract readonly kind: 'spout' | 'bolt';

  /** Tuples this component may work on at once (bolts with `concurrency`), for the measurements. */
  protected get parallelWork(): number {
    return 1;
  }

  /**
   * Measurements for `squall doctor`, one log line every squall.metrics.interval.secs (default 60; 0: none). A log
   * line, because the multi-lang `metrics` command would kill a plain shell component's worker.
   */
  protected meter: Meter | undefined;

  private startMeter(): Meter | undefined {
    const interval = metricsIntervalSecs(this.conf);
    if (interval === 0) return undefined;
    const meter = new Meter(this.context.componentId, this.context.taskId, this.kind, this.parallelWork);
    meter.start(interval, (line) => this.connection.log(line, LogLevel.INFO));
    return meter;
  }

  /** Handle one message from Storm (called by `serve`). */
  abstract [receive](message: unknown): void;

  /**
   * Warn once when a direct emit is made: it works here but fails on Storm 2.6.0+, where
   * JsonSerializer.readShellMsg casts `task` to Long while json-smart parses it as an Integer. (The values themselves
   * are portable: nested objects and arrays are carried as JSON text, see `wireValues`.)
   */
  protected warnIfDirect(directTask: number | undefined): void {
    if (directTask === undefined || this.warnedDirect) return;
    this.warnedDirect = true;
    this.logger.warn('direct emits are expected to fail on Storm 2.6.0 and later (json-smart gives Integer, Storm casts to Long)');
  }
  private warnedDirect = false;

  /**
   * The values of an emit as they go to Storm: nested objects and arrays as marked JSON text (../wire/values.ts),
   * so no JSONObject reaches Java and Kryo never meets one between workers. Off with `squall.encode.nested: false`
   * in the topology config. Flat tuples go out as they are.
   */
  protected wireValues(values: unknown[], stream: string): unknown[] {
    return this.encodeNested ? encodeValues(values, this.sortedPositions(stream)) : values;
  }

  /** The values of a received tuple as the emitting component had them (see `wireValues`). */
  protected userValues(values: unknown[]): unknown[] {
    return this.encodeNested ? decodeValues(values) : values;
  }

  /**
   * Positions of `stream`'s values that some subscriber groups by (fields grouping): their objects are written with
   * sorted keys, so deep-equal values hash alike and reach the same task, as Storm's HashMap hashing groups them.
   */
  private sortedPositions(stream: string): ReadonlySet<number> | undefined {
    if (this.sortedByStream.has(stream)) return this.sortedByStream.get(stream);
    const fields = this.context.outputFields(stream) ?? [];
    const positions = new Set<number>();
    for (const grouping of Object.values(this.context.targets(stream))) {
      if (grouping.type !== 'FIELDS') continue;
      for (const field of grouping.fields ?? []) if (fields.includes(field)) positions.add(fields.indexOf(field));
    }
    const found = positions.size > 0 ? positions : undefined;
    this.sortedByStream.set(stream, found);
    return found;
  }
  private readonly sortedByStream = new Map<string, ReadonlySet<number> | undefined>();
  private encodeNested = true;

  /** Register interest in the next task-id list. */
  protected waitForTaskIds(): TaskIds {
    return new Promise((resolve) => this.taskIdWaiters.push(resolve));
  }

  /**
   * Read one message from Storm with the reader for this kind of component (../wire/messages.ts). Task-id lists
   * are taken here; anything the reader refuses ends the process as a protocol error. Returns the rest.
   */
  protected read<M>(reader: (message: unknown) => M | TaskIdsMessage, message: unknown): M | undefined {
    let m: M | TaskIdsMessage;
    try {
      m = reader(message);
    } catch (err) {
      void this.connection.protocolError(err as ProtocolError);
      return undefined;
    }
    if (!Array.isArray(m)) return m;
    this.receiveTaskIds(m);
    return undefined;
  }

  /** A bare JSON array from Storm: the task ids of the oldest emit that asked for them. */
  protected receiveTaskIds(ids: unknown[]): void {
    const resolve = this.taskIdWaiters.shift();
    if (!resolve) {
      void this.connection.protocolError(
        new ProtocolError(`received a task-id list ${stringifyMessage(ids)} but no emit asked for task ids`),
      );
      return;
    }
    resolve(ids as TaskIdsMessage);
  }

  /**
   * User code threw. Report it (UI), log the stack (worker log), and end the process unless told not to: a bolt
   * in an unknown state is better restarted, and Storm replays what was in flight.
   */
  protected handleException(error: unknown, where: string): void {
    this.reportError(error);
    const stack = error instanceof Error && error.stack ? error.stack : describeError(error);
    this.connection.log(`${where} threw: ${stack}`, LogLevel.ERROR);
    if (this.options.exitOnException) void this.connection.exit(ExitCode.USER_EXCEPTION);
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === 'string' ? error : stringifyMessage(error);
}

/**
 * An error as Storm's UI and `squall run` show it, in one line: what it says and where it was made, e.g.
 * `Error: bad input at SplitBolt.process (/app/src/bolts/split.ts:12:11)`. The bundle's launcher turns source maps
 * on, so the place is the user's own source, not the bundle. The whole stack goes to the log.
 */
export function describeThrown(error: unknown): string {
  const frame = error instanceof Error ? error.stack?.split('\n').find((line) => /^\s+at /.test(line)) : undefined;
  return frame ? `${describeError(error)} ${frame.trim()}` : describeError(error);
}

/** @internal Write the pid file Storm's supervisor uses to kill the process. */
export function writePidFile(pidDir: string, pid: number): void {
  if (typeof pidDir !== 'string' || pidDir.length === 0) return;
  writeFileSync(join(pidDir, String(pid)), '');
}
