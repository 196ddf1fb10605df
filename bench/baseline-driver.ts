/**
 * The yardstick for squall's Storm side: a minimal hand-written driver doing, for one bolt process, what Storm's
 * ShellBolt and ShellProcess must do, and nothing more. `npm run bench` drives the same bolt process with it and
 * with squall's ShellBoltExecutor, so the ratio of the two rates is what squall's Storm side costs.
 *
 * What it does, as Storm does it:
 * - starts `[command, script]` with no shell, sends the handshake (conf, pidDir, context) and waits for `{"pid"}`
 *   (ShellProcess.launch);
 * - gives each tuple a fresh random id and holds it until acked (ShellBolt keeps `_inputs` by `Long.toString` of a
 *   random long), with at most `maxPending` tuples in flight (`topology.shellbolt.max.pending`);
 * - parses every frame the bolt writes (JsonSerializer.readShellMsg parses each message whole), refuses an ack or
 *   anchor of an id it does not hold and a message without `command` (what kills a worker), counts emits and drops
 *   them, answers `need_task_ids` with the task ids (none here: the emits go nowhere);
 * - sends a heartbeat tuple every second (ShellBolt's heartbeat timer).
 * What it leaves out because the bench needs none of it: logs, metrics, the subprocess timeout.
 * Every frame is parsed once, and what one chunk of the bolt's output calls for is written in one write.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LaunchSpec } from '../src/runtime/shell-process.js';
import type { HandshakeContext } from '../src/wire/messages.js';

const END = '\nend\n';
const HEARTBEAT_MS = 1000;

export interface PumpOptions {
  /** The handshake's context and conf. */
  context: HandshakeContext;
  conf?: Record<string, unknown>;
  /** How many tuples to send; the run ends when all are acked. */
  tuples: number;
  /** Every tuple's values, and where it comes from. */
  values: unknown[];
  from: { comp: string; stream: string; task: number };
  /** `topology.shellbolt.max.pending` (Storm's default 100). */
  maxPending?: number;
  /** Of `tuples`, how many are sent before the clock starts (warm-up: both processes compile their hot code). */
  warmup?: number;
}

export interface PumpResult {
  acked: number;
  emitted: number;
  /** From the warm-up's last ack (or the first tuple sent) to the last ack. */
  seconds: number;
}

/** A Storm-like tuple id: the decimal text of a random integer, fresh for every tuple and heartbeat. */
const freshId = () => String(Math.floor(Math.random() * Number.MAX_SAFE_INTEGER));

/** Start the bolt process, handshake, pump `tuples` tuples through it with a window of `maxPending`, stop it. */
export async function pumpBolt(launch: LaunchSpec, options: PumpOptions): Promise<PumpResult> {
  if (!(Number.isInteger(options.tuples) && options.tuples > 0)) throw new Error(`baseline driver: tuples must be a positive integer, got ${options.tuples}`);
  const pidDir = mkdtempSync(join(tmpdir(), 'squall-bench-pids-'));
  const child = spawn(launch.executionCommand, [launch.script], {
    cwd: launch.cwd,
    env: { ...process.env, ...launch.env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<string>((resolve) => child.once('close', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`)));
  const { tuples, values, from } = options;
  const maxPending = options.maxPending ?? 100;
  const pending = new Map<string, number>();
  let handshaken = false;
  let sent = 0;
  let acked = 0;
  let emitted = 0;
  let started = 0n;
  let out = '';
  let heartbeat: NodeJS.Timeout | undefined;

  const sendTuple = () => {
    const id = freshId();
    pending.set(id, sent++);
    out += JSON.stringify({ id, comp: from.comp, stream: from.stream, task: from.task, tuple: values }) + END;
  };
  const held = (id: unknown) => typeof id === 'string' && pending.has(id);

  let buffer = '';
  const finished = new Promise<number>((resolve, reject) => {
    let over = false;
    const fail = (why: string) => {
      if (over) return;
      over = true;
      child.kill('SIGKILL');
      reject(new Error(`baseline driver: ${why}`));
    };
    const receive = (frame: string) => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(frame) as Record<string, unknown>;
      } catch {
        return fail(`a frame that is not JSON: ${frame.slice(0, 200)}`);
      }
      // Storm's serializer reads every message as a JSON object.
      if (typeof message !== 'object' || message === null || Array.isArray(message)) return fail(`a message that is not a JSON object: ${frame.slice(0, 200)}`);
      if (!handshaken) {
        if (typeof message.pid !== 'number') return fail(`the first message must be {"pid": <number>}, got ${JSON.stringify(message)}`);
        handshaken = true;
        started = process.hrtime.bigint();
        while (sent < Math.min(maxPending, tuples)) sendTuple();
        heartbeat = setInterval(() => child.stdin.write(JSON.stringify({ id: freshId(), comp: null, stream: '__heartbeat', task: -1, tuple: [] }) + END), HEARTBEAT_MS);
        return;
      }
      switch (message.command) {
        case 'emit': {
          // Absent or null: none; one string: one anchor (JsonSerializer.readShellMsg).
          const anchors = message.anchors == null ? [] : Array.isArray(message.anchors) ? message.anchors : [message.anchors];
          for (const anchor of anchors) if (!held(anchor)) return fail(`anchored onto ${JSON.stringify(anchor)} after ack/fail`);
          emitted++;
          if (message.need_task_ids !== false && !message.task) out += `[]${END}`;
          return;
        }
        case 'ack':
        case 'fail':
          if (!held(message.id)) return fail(`${message.command} of an id it was not sent or already acked: ${JSON.stringify(message.id)}`);
          if (message.command === 'fail') return fail(`the bolt failed a tuple`);
          pending.delete(message.id as string);
          acked++;
          if (acked === options.warmup) started = process.hrtime.bigint();
          if (sent < tuples) sendTuple();
          if (acked === tuples) {
            over = true;
            resolve(Number(process.hrtime.bigint() - started) / 1e9);
          }
          return;
        case 'error':
          // Storm only reports it; the bench bolt never sends one, so it means the bench is broken.
          return fail(`the bolt reported an error: ${String(message.msg)}`);
        case undefined:
          return fail(`a message without "command": ${JSON.stringify(message)}`);
        default:
          // sync (the heartbeat's answer), log, …: nothing to do for the bench.
          return;
      }
    };
    // A write to a process that died fails; `exited` says so.
    child.stdin.on('error', () => {});
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer = buffer.length === 0 ? chunk : buffer + chunk;
      let start = 0;
      let at: number;
      while (!over && (at = buffer.indexOf(END, start)) >= 0) {
        receive(buffer.slice(start, at));
        start = at + END.length;
      }
      if (start > 0) buffer = buffer.slice(start);
      if (out.length > 0) {
        child.stdin.write(out);
        out = '';
      }
    });
    child.once('error', (err) => fail(`cannot start ${launch.executionCommand}: ${err.message}`));
    void exited.then((how) => fail(`the bolt process exited (${how}) after ${acked} of ${tuples} acks`));
  });

  child.stdin.write(JSON.stringify({ conf: options.conf ?? {}, pidDir, context: options.context }) + END);
  try {
    const seconds = await finished;
    return { acked, emitted, seconds };
  } finally {
    clearInterval(heartbeat);
    child.stdin.end();
    await exited;
    rmSync(pidDir, { recursive: true, force: true });
  }
}
