import { shellBoltMaxPending, subprocessTimeoutSecs } from '../config/keys.js';
import { temporaryFolder } from '../process/cleanup.js';
import { ShellBoltExecutor } from '../runtime/shell-bolt.js';
import { ShellProcess } from '../runtime/shell-process.js';
import type { LaunchSpec, ShellDeath } from '../runtime/shell-process.js';
import { ShellSpoutExecutor } from '../runtime/shell-spout.js';
import type { HandshakeContext, MessageId, SpoutCommand } from '../wire/messages.js';
import { SYSTEM_COMPONENT, TICK_STREAM } from '../wire/messages.js';

/**
 * One component process driven from the Storm side, in any language: started as a worker starts it, handshaken,
 * and wired to the embedded runtime's executors (the same code `squall run` uses), with everything the component
 * did recorded. `testBolt` is built on it; so are squall's own protocol tests and `npm run bench`.
 */

export interface Emitted {
  stream: string;
  values: unknown[];
  /** Bolts: the inputs (as numbered by `send`) the emit was anchored to. */
  anchors: number[];
  directTask: number | undefined;
  /** Spouts: the message id of a reliable emit. */
  messageId?: MessageId | undefined;
}

/** Everything the Storm side saw from one component. */
export class Recorder {
  emits: Emitted[] = [];
  /** Emits counted, kept or not (see `keepEmits`). */
  emitCount = 0;
  acks: number[] = [];
  fails: number[] = [];
  logs: Array<{ msg: string; level: number }> = [];
  errors: string[] = [];
  death: ShellDeath | undefined;
  private waiters: Array<() => void> = [];

  /** `onChange` is told of every event as it is recorded (see `DriveOptions.onChange`). */
  constructor(private readonly onChange?: () => void) {}

  /** Called after every event: tells `onChange`, wakes whoever waits in `until`. */
  changed(): void {
    this.onChange?.();
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Wait until `condition` holds (checked after every event), failing after `ms`. */
  async until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; death: ${this.death?.message ?? 'none'}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** The parts of a handshake context a driven component usually needs; the rest defaults to one task, no groupings. */
export interface ContextSpec {
  componentId: string;
  taskId?: number;
  tasks?: Record<number, string>;
  outputFields?: Record<string, string[]>;
  sourceFields?: Record<string, Record<string, string[]>>;
}

export function contextFor(spec: ContextSpec): HandshakeContext {
  const taskId = spec.taskId ?? 1;
  const tasks = spec.tasks ?? { [taskId]: spec.componentId };
  return {
    'task->component': Object.fromEntries(Object.entries(tasks).map(([k, v]) => [String(k), v])),
    taskid: taskId,
    componentid: spec.componentId,
    streams: Object.keys(spec.outputFields ?? { default: [] }),
    'stream->outputfields': spec.outputFields ?? { default: [] },
    'stream->target->grouping': {},
    'source->stream->grouping': {},
    'source->stream->fields': spec.sourceFields ?? {},
  };
}

export interface DriveOptions {
  /** The handshake context: a full one, or the parts `contextFor` fills in. */
  context: HandshakeContext | ContextSpec;
  /** The handshake's `conf`. */
  conf?: Record<string, unknown>;
  /** Where the component creates its pid file (default: a temporary folder, removed by `stop` or at exit). */
  pidDir?: string;
  /** `topology.subprocess.timeout.secs` in ms (default: as `conf` gives it, else Storm's 30 s). */
  timeoutMs?: number;
  /** Bolts: `topology.shellbolt.max.pending` (default: as `conf` gives it, else Storm's 100). */
  maxPending?: number;
  /** Bolts: heartbeat period (default 1 s, as Storm). */
  heartbeatMs?: number;
  /** Task ids reported back for an emit that asks for them (default [2]). */
  taskIds?: number[];
  /** Keep every emit in `recorder.emits` (default true); off, only `recorder.emitCount` grows. */
  keepEmits?: boolean;
  /** Told of every event (emit, ack, fail, log, error, death) once recorded: e.g. to send the next tuple on an ack. */
  onChange?: () => void;
}

interface Started {
  proc: ShellProcess;
  pid: number;
  pidDir: string;
  recorder: Recorder;
  /** Close the component's stdin, wait for it to exit, remove a pid folder made for it. */
  stop(): Promise<void>;
}

type Launched = Omit<Started, 'stop'> & { removePidDir: () => void };

async function start(launch: LaunchSpec, options: DriveOptions): Promise<Launched> {
  const folder = options.pidDir === undefined ? temporaryFolder('squall-pids-') : undefined;
  const pidDir = options.pidDir ?? folder!.path;
  const context = 'componentId' in options.context ? contextFor(options.context) : options.context;
  const proc = new ShellProcess(launch);
  let pid: number;
  try {
    pid = await proc.launch(options.conf ?? {}, context, pidDir);
  } catch (err) {
    proc.kill();
    folder?.remove();
    throw err;
  }
  return { proc, pid, pidDir, recorder: new Recorder(options.onChange), removePidDir: () => folder?.remove() };
}

/** The parts every driver shares, once its executor runs. */
function driven<E extends { stop(): Promise<void> }>({ removePidDir, ...launched }: Launched, executor: E): Started & { executor: E } {
  return {
    ...launched,
    executor,
    async stop() {
      await executor.stop();
      removePidDir();
    },
  };
}

function reporting(recorder: Recorder) {
  return {
    error: (msg: string) => (recorder.errors.push(msg), recorder.changed()),
    log: (msg: string, level: number) => (recorder.logs.push({ msg, level }), recorder.changed()),
    died: (death: ShellDeath) => ((recorder.death = death), recorder.changed()),
  };
}

export interface BoltDriver extends Started {
  executor: ShellBoltExecutor<number>;
  /** Send a tuple; returns its input number (what acks, fails and anchors report). */
  send(values: unknown[], from?: { comp?: string; stream?: string; task?: number }): number;
  /** Send a tick tuple (`__system`/`__tick`, task -1, as Storm's executor sends it). */
  tick(freq?: number): number;
}

/** Start a bolt process and drive it as Storm's ShellBolt does. */
export async function driveBolt(launch: LaunchSpec, options: DriveOptions): Promise<BoltDriver> {
  const launched = await start(launch, options);
  const { recorder } = launched;
  const keep = options.keepEmits ?? true;
  const taskIds = options.taskIds ?? [2];
  const executor = new ShellBoltExecutor<number>(
    launched.proc,
    {
      emit: (stream, anchors, values, directTask) => {
        recorder.emitCount++;
        if (keep) recorder.emits.push({ stream, values, anchors, directTask });
        recorder.changed();
        return taskIds;
      },
      ack: (input) => (recorder.acks.push(input), recorder.changed()),
      fail: (input) => (recorder.fails.push(input), recorder.changed()),
      ...reporting(recorder),
    },
    { timeoutMs: options.timeoutMs ?? 1000 * subprocessTimeoutSecs(options.conf ?? {}), maxPending: options.maxPending ?? shellBoltMaxPending(options.conf ?? {}), heartbeatMs: options.heartbeatMs },
  );
  executor.start();
  let nextInput = 0;
  return {
    ...driven(launched, executor),
    send(values, from = {}) {
      const input = nextInput++;
      executor.execute(input, from.comp ?? 'source', from.stream ?? 'default', from.task ?? 7, values);
      return input;
    },
    tick(freq = 1) {
      const input = nextInput++;
      executor.execute(input, SYSTEM_COMPONENT, TICK_STREAM, -1, [freq]);
      return input;
    },
  };
}

export interface SpoutDriver extends Started {
  executor: ShellSpoutExecutor;
  /** Send one command and wait for its `sync`; resolves with how many tuples the spout emitted meanwhile. */
  command(command: SpoutCommand, id?: MessageId): Promise<number>;
}

/** Start a spout process and drive it as Storm's ShellSpout does: one command at a time, each answered by `sync`. */
export async function driveSpout(launch: LaunchSpec, options: DriveOptions): Promise<SpoutDriver> {
  const launched = await start(launch, options);
  const { recorder } = launched;
  const keep = options.keepEmits ?? true;
  const taskIds = options.taskIds ?? [2];
  const executor = new ShellSpoutExecutor(
    launched.proc,
    {
      emit: (stream, values, messageId, directTask) => {
        recorder.emitCount++;
        if (keep) recorder.emits.push({ stream, values, anchors: [], directTask, messageId });
        recorder.changed();
        return taskIds;
      },
      ...reporting(recorder),
    },
    { timeoutMs: options.timeoutMs ?? 1000 * subprocessTimeoutSecs(options.conf ?? {}) },
  );
  executor.start();
  return { ...driven(launched, executor), command: (command, id) => executor.command(command, id) };
}
