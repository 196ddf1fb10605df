import { existsSync } from 'node:fs';
import { execa } from 'execa';
import type { ResultPromise } from 'execa';
import { FrameChannel } from '../wire/channel.js';
import { stringifyMessage } from '../wire/codec.js';
import type { HandshakeContext } from '../wire/messages.js';
import { killOnExit } from '../process/cleanup.js';

/** How a component process is started: exactly Storm's `[execution_command, script]`, no shell. */
export interface LaunchSpec {
  executionCommand: string;
  script: string;
  /** Working directory (on a worker: the topology's extracted `resources/`). */
  cwd: string;
  /** Added to the inherited environment (`topology.environment`). */
  env?: Record<string, string>;
}

/** Why a component process stopped being usable: what a worker would log before exiting with code 11. */
export class ShellDeath extends Error {
  override readonly name = 'ShellDeath';

  /** True when the process could not be started at all (no such command): restarting it cannot help. */
  constructor(
    message: string,
    readonly cannotStart = false,
  ) {
    super(message);
  }
}

/** How long to wait for the `{"pid"}` reply. Storm blocks prepare/open on it; we bound it so tests never hang. */
const HANDSHAKE_TIMEOUT_MS = 30_000;

/**
 * The Storm side of one component process (Storm's `ShellProcess`): launch, handshake, frames both ways.
 * What the messages mean is up to ShellBoltExecutor / ShellSpoutExecutor.
 */
export class ShellProcess {
  pid = 0;
  private readonly child: ResultPromise<{ stdin: 'pipe'; stdout: 'pipe'; stderr: 'pipe'; buffer: false; reject: false }>;
  /**
   * Frames both ways over the child's stdin and stdout. The executors write, cork and end batches on it directly
   * (its states are documented once, in wire/channel.ts and FrameWriter); this class owns launch, handshake and exit.
   */
  readonly channel: FrameChannel;
  /** Told once why the process went away, its stderr tail appended (`bare`: without it). */
  private onClose: (reason: string, bare: string) => void = () => {};
  private stderrTail = '';
  /** Set when the command could not be spawned (ENOENT, EACCES): the reason, in the user's terms. */
  private spawnFailure: string | undefined;
  /** Resolves when the process has exited, with its exit code (null when killed by a signal). */
  readonly exited: Promise<{ exitCode: number | undefined; signal: string | undefined }>;

  constructor(readonly spec: LaunchSpec) {
    this.child = execa(spec.executionCommand, [spec.script], {
      cwd: spec.cwd,
      env: spec.env ?? {},
      extendEnv: true,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      // Its own process group, as on a worker: a Ctrl-C in the terminal reaches squall, which drains the topology,
      // and not the components, which would die mid-drain. process/cleanup.ts kills the group when squall exits.
      detached: true,
      // execa's own exit cleanup skips detached children; process/cleanup.ts does it.
      cleanup: false,
    });
    const forget = this.child.pid === undefined ? () => {} : killOnExit(this.child.pid);
    this.channel = new FrameChannel(this.child.stdin, {
      protocolError: (err) => {
        // Storm's reader throws on a frame it cannot parse, and the worker dies.
        this.close(err.message);
        this.kill();
      },
    });
    // Writes to a process that died are reported by `exited`, not as stream errors.
    this.child.stdin.on('error', () => {});
    this.child.stdout.on('data', (chunk: Buffer) => this.channel.receive(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-4000);
    });
    this.exited = this.child.then((result) => {
      forget();
      const exit = { exitCode: result.exitCode, signal: result.signal };
      const code = (result as { code?: string }).code;
      if (this.child.pid === undefined && (code === 'ENOENT' || code === 'EACCES')) {
        this.spawnFailure = cannotStart(spec, code);
        this.close(this.spawnFailure);
      } else this.close(`process exited (${exit.signal ? `signal ${exit.signal}` : `code ${exit.exitCode}`})`);
      return exit;
    });
  }

  /** True once the process has exited or broken the protocol. */
  get isClosed(): boolean {
    return this.channel.isClosed;
  }

  /** Last lines the process wrote on stderr (Storm shows them when a component dies). */
  get stderr(): string {
    return this.stderrTail;
  }

  /**
   * Storm's handshake: send conf, pidDir and context, wait for `{"pid": n}`. Like Storm's `ShellProcess.launch`,
   * it does not look for the pid file: Storm's own storm.py writes it after sending the pid.
   * Resolves with the pid; rejects with a ShellDeath explaining what went wrong.
   */
  async launch(conf: Record<string, unknown>, context: HandshakeContext, pidDir: string): Promise<number> {
    const reply = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new ShellDeath(`no {"pid"} reply within ${HANDSHAKE_TIMEOUT_MS / 1000}s of the handshake`)),
        HANDSHAKE_TIMEOUT_MS,
      );
      void this.channel.next().then((message) => {
        clearTimeout(timer);
        resolve(message);
      });
      this.onClose = (reason, bare) => {
        clearTimeout(timer);
        reject(this.spawnFailure ? new ShellDeath(reason, true) : new ShellDeath(`${bare} before answering the handshake${this.stderrSuffix()}`));
      };
      this.channel.write({ conf, pidDir, context });
    });
    const pid = (reply as { pid?: unknown } | null)?.pid;
    if (typeof pid !== 'number') {
      throw new ShellDeath(`the first message must be {"pid": <number>}, got ${stringifyMessage(reply).slice(0, 200)}`);
    }
    this.pid = pid;
    return pid;
  }

  /** Deliver each following message (and the reason, once, if the process goes away). */
  listen(onMessage: (message: unknown) => void, onClose: (reason: string) => void): void {
    this.onClose = onClose;
    this.channel.listen(onMessage);
  }

  /** Close stdin (the component sees EOF and exits cleanly), and kill it if it lingers. */
  async stop(graceMs = 2000): Promise<void> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  private stderrSuffix(): string {
    const tail = this.stderrTail.trim();
    return tail ? `; stderr: ${tail.slice(-1000)}` : '';
  }

  private close(reason: string): void {
    if (this.channel.isClosed) return;
    this.channel.close();
    this.onClose(reason + this.stderrSuffix(), reason);
  }
}

/** What a failed spawn means to the user: the command (Storm's execution_command) is not there or not runnable. */
function cannotStart(spec: LaunchSpec, code: 'ENOENT' | 'EACCES'): string {
  // Node reports a missing working folder as ENOENT of the command too.
  if (!existsSync(spec.cwd)) return `cannot start "${spec.executionCommand}": its working folder ${spec.cwd} does not exist`;
  return code === 'ENOENT'
    ? `cannot start "${spec.executionCommand}": command not found`
    : `cannot start "${spec.executionCommand}": permission denied (not an executable file)`;
}
