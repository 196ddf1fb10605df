import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HandshakeContext } from '../../src/wire/messages.js';
import { temporaryFolder } from '../../src/runtime/leftovers.js';
import { ShellBoltExecutor } from '../../src/runtime/shell-bolt.js';
import { ShellProcess } from '../../src/runtime/shell-process.js';
import type { ShellDeath } from '../../src/runtime/shell-process.js';
import { ShellSpoutExecutor } from '../../src/runtime/shell-spout.js';
import type { SpoutMessageId } from '../../src/runtime/shell-spout.js';

/** Compiled fixtures live next to this file's compiled form: dist/test/fixtures. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
/** Fixtures that are not TypeScript (other languages' components) stay in the source tree. */
export const SOURCE_FIXTURES = join(FIXTURES, '..', '..', '..', 'test', 'fixtures');

export interface Emitted {
  stream: string;
  values: unknown[];
  anchors: number[];
  directTask: number | undefined;
  messageId?: SpoutMessageId | undefined;
}

/** Everything the Storm side saw from one component. */
export class Recorder {
  emits: Emitted[] = [];
  acks: number[] = [];
  fails: number[] = [];
  logs: Array<{ msg: string; level: number }> = [];
  errors: string[] = [];
  death: ShellDeath | undefined;
  private waiters: Array<() => void> = [];

  changed(): void {
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

export interface ContextSpec {
  componentId: string;
  taskId?: number;
  tasks?: Record<number, string>;
  outputFields?: Record<string, string[]>;
  sourceFields?: Record<string, Record<string, string[]>>;
}

export function makeContext(spec: ContextSpec): HandshakeContext {
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

export interface StartOptions {
  conf?: Record<string, unknown>;
  context: ContextSpec;
  timeoutMs?: number;
  maxPending?: number;
  heartbeatMs?: number;
  /** Task ids to report for non-direct emits. */
  taskIds?: number[];
  /** Added to the component process's environment (e.g. NODE_OPTIONS). */
  env?: Record<string, string>;
}

export function fixture(name: string, env?: Record<string, string>): ShellProcess {
  return new ShellProcess({ executionCommand: process.execPath, script: join(FIXTURES, name), cwd: FIXTURES, env });
}

/** A pid folder for one component, removed when the test process exits. */
export function pidDir(): string {
  return temporaryFolder('squall-pids-').path;
}

export async function startBolt(script: string, options: StartOptions) {
  const proc = fixture(script, options.env);
  const recorder = new Recorder();
  const dir = pidDir();
  const pid = await proc.launch(options.conf ?? {}, makeContext(options.context), dir);
  let nextInput = 0;
  const executor = new ShellBoltExecutor<number>(
    proc,
    {
      emit: (stream, anchors, values, directTask) => {
        recorder.emits.push({ stream, values, anchors, directTask });
        recorder.changed();
        return options.taskIds ?? [2];
      },
      ack: (input) => (recorder.acks.push(input), recorder.changed()),
      fail: (input) => (recorder.fails.push(input), recorder.changed()),
      error: (msg) => (recorder.errors.push(msg), recorder.changed()),
      log: (msg, level) => (recorder.logs.push({ msg, level }), recorder.changed()),
      died: (death) => ((recorder.death = death), recorder.changed()),
    },
    { timeoutMs: options.timeoutMs ?? 30_000, maxPending: options.maxPending ?? 100, heartbeatMs: options.heartbeatMs },
  );
  executor.start();
  return {
    proc,
    pid,
    pidDir: dir,
    recorder,
    executor,
    /** Send a tuple; returns its input number (what acks/fails/anchors report). */
    send(values: unknown[], from: { comp?: string; stream?: string; task?: number } = {}): number {
      const input = nextInput++;
      executor.execute(input, from.comp ?? 'source', from.stream ?? 'default', from.task ?? 7, values);
      return input;
    },
    tick(freq = 1): number {
      const input = nextInput++;
      executor.execute(input, '__system', '__tick', -1, [freq]);
      return input;
    },
  };
}

export async function startSpout(script: string, options: StartOptions) {
  const proc = fixture(script);
  const recorder = new Recorder();
  const dir = pidDir();
  const pid = await proc.launch(options.conf ?? {}, makeContext(options.context), dir);
  const executor = new ShellSpoutExecutor(
    proc,
    {
      emit: (stream, values, messageId, directTask) => {
        recorder.emits.push({ stream, values, anchors: [], directTask, messageId });
        recorder.changed();
        return options.taskIds ?? [2];
      },
      error: (msg) => (recorder.errors.push(msg), recorder.changed()),
      log: (msg, level) => (recorder.logs.push({ msg, level }), recorder.changed()),
      died: (death) => ((recorder.death = death), recorder.changed()),
    },
    { timeoutMs: options.timeoutMs ?? 30_000 },
  );
  executor.start();
  return { proc, pid, pidDir: dir, recorder, executor };
}
