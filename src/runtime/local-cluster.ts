import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ComponentSpec, TopologySpec } from '../topology/spec.js';
import { LogLevel } from '../wire/messages.js';
import { METRICS_PREFIX, parseMetricsLine, type TaskMetrics } from '../wire/metrics-line.js';
import { Acker } from './acker.js';
import { temporaryFolder } from '../process/cleanup.js';
import type { TreeOwner } from './acker.js';
import { assignTasks, deploymentId, handshakeContext, launchSpecFor, subprocessTimeoutMs, taskConf } from './assignment.js';
import { Router } from './router.js';
import { ShellBoltExecutor } from './shell-bolt.js';
import { ShellDeath, ShellProcess } from './shell-process.js';
import { ShellSpoutExecutor } from './shell-spout.js';
import { SpoutLoop } from './spout-loop.js';
import { maxSpoutPending, messageTimeoutSecs, shellBoltMaxPending } from '../config/keys.js';
import { ReceiveQueueLimits } from './receive-queue.js';
import { RuntimeStats } from './stats.js';
import type { ComponentStats, TaskStats } from './stats.js';
import { WorkerPlan } from './workers.js';
import { setTimeout as sleep } from 'node:timers/promises';

export type { ComponentStats, TaskStats } from './stats.js';

/** One line of what the topology did, for the console or a test. */
export interface RuntimeEvent {
  kind: 'log' | 'error' | 'death' | 'restart' | 'warning';
  component: string;
  task: number;
  level: number;
  message: string;
}

export interface LocalClusterOptions {
  /** How squall components start: `[command, script]`, e.g. node + the topology bundle. */
  squall?: { command: string; script: string };
  /** Working directory of every component process (the topology's resources). */
  resourcesDir: string;
  /** Events (component logs, errors, deaths); default: none. */
  onEvent?: (event: RuntimeEvent) => void;
  /** Every tuple a bolt or spout emits (for the test harness). */
  onEmit?: (source: string, task: number, stream: string, values: unknown[]) => void;
  /** Heartbeat period for shell bolts (Storm: 1 s). */
  heartbeatMs?: number;
  /** Wait before restarting a dead task (Storm's supervisor restarts the worker). */
  restartDelayMs?: number;
  /** How long after its pid a component has to create its pid file before squall warns (default 2 s). */
  pidFileGraceMs?: number;
  /** A task's measurement line (squall.metrics.interval.secs): kept for `measurements()`, not logged. */
  onMetrics?: (metrics: TaskMetrics) => void;
}

/** A tuple delivered to a bolt task: the trees it belongs to and when it was sent. */
interface Delivered {
  roots: number[];
  sentAt: number;
}

interface SpoutTask {
  kind: 'spout';
  id: number;
  component: ComponentSpec;
  executor: ShellSpoutExecutor;
  loop: SpoutLoop;
}

interface BoltTask {
  kind: 'bolt';
  id: number;
  component: ComponentSpec;
  executor: ShellBoltExecutor<Delivered>;
  tick: NodeJS.Timeout | undefined;
}

type Task = SpoutTask | BoltTask;

/** What a stop is waiting for, in words, and the longest it can still take (for the console while it drains). */
export interface DrainStatus {
  waitingFor: string;
  atMostMs: number;
}

/** How long a component process gets to exit once its stdin is closed (ShellProcess.stop), before it is killed. */
const EXIT_GRACE_MS = 2000;

/**
 * A task that cannot start at all (its command does not exist or cannot run): nothing would ever restart it into
 * working, so the run stops at start instead of running without it.
 */
export class TaskStartError extends Error {
  override readonly name = 'TaskStartError';
}

/**
 * The embedded Storm runtime: one process per task, started exactly as a worker starts it, wired by groupings,
 * with the acker, message timeouts, max-pending limits, tick tuples, heartbeats, and restarts of dead tasks.
 */
export class LocalCluster {
  readonly tasks: Map<number, ComponentSpec>;
  /** Simulated workers (topology.workers): which task runs where, as Storm's default scheduler places them. */
  readonly workers: WorkerPlan;
  private readonly router: Router;
  private readonly acker: Acker;
  private readonly running = new Map<number, Task>();
  private readonly stats: RuntimeStats;
  private readonly pidDir = temporaryFolder('squall-pids-');
  private readonly timeoutMs: number;
  /** False with topology.acker.executors 0: nothing is tracked, reliable emits are acked at once. */
  private readonly ackers: boolean;
  /** How much a bolt task may have waiting before spouts are throttled (Storm's receive queue). */
  private readonly receiveQueue: ReceiveQueueLimits;
  private expiry: NodeJS.Timeout | undefined;
  /** Restarts and pid-file checks still to come: cleared at stop, so nothing keeps the process alive after it. */
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Components already warned about a missing pid file (one warning each is enough). */
  private readonly warnedPidFile = new Set<string>();
  private stopping = false;
  private drainOver = false;
  /** During `start`: tasks that could not be started at all, with why. */
  private startFailures: string[] | undefined;
  /** Bolt tasks that died holding tuples: why, how many, when (their trees can only time out; the drain says so). */
  private readonly losses = new Map<number, { why: string; held: number; at: number }>();
  /** The stop's current step and when it gives up waiting on it (ms since the epoch). */
  private draining: { step: 'deactivate' | 'trees' | 'close'; until: number } | undefined;
  /** When `start` was called (ms since the epoch), for uptime. */
  startedAt = 0;
  /** This run's topology id (`storm.id` in every task's conf, the id the local UI serves), set by `start`. */
  stormId = '';

  constructor(
    readonly spec: TopologySpec,
    private readonly options: LocalClusterOptions,
  ) {
    this.tasks = assignTasks(spec);
    const conf = spec.config;
    this.workers = new WorkerPlan(this.tasks, conf, (task) => this.load(task));
    this.router = new Router(spec, this.tasks, this.workers);
    this.timeoutMs = 1000 * messageTimeoutSecs(conf);
    this.ackers = conf['topology.acker.executors'] !== 0;
    this.receiveQueue = new ReceiveQueueLimits(conf);
    this.acker = new Acker(
      (tree) => this.treeDone(tree, 'ack'),
      (tree, reason) => this.treeDone(tree, 'fail', reason === 'timeout'),
    );
    for (const c of spec.components) {
      if (c.impl.type === 'java') {
        throw new Error(
          `${c.kind} "${c.id}" is a Java component (${c.impl.className}): it runs only on a Storm cluster. ` +
            'Use `squall submit`, or replace it with a squall or shell component to run locally.',
        );
      }
    }
    this.stats = new RuntimeStats(spec.components, this.tasks);
  }

  /**
   * Launch every task (bolts first, so spouts emit into running bolts), then activate the spouts. A task that cannot
   * start at all stops what did start and rejects with a TaskStartError naming it: the run would only wait out the
   * message timeout for tuples that task can never take.
   */
  async start(): Promise<void> {
    this.startedAt = Date.now();
    this.stormId = deploymentId(this.spec.name, this.startedAt);
    const ids = [...this.tasks.keys()];
    const bolts = ids.filter((id) => this.tasks.get(id)!.kind === 'bolt');
    const spouts = ids.filter((id) => this.tasks.get(id)!.kind === 'spout');
    const failures: string[] = (this.startFailures = []);
    await Promise.all(bolts.map((id) => this.launch(id)));
    if (failures.length === 0) await Promise.all(spouts.map((id) => this.launch(id)));
    this.startFailures = undefined;
    if (failures.length > 0) {
      await this.stop(0);
      throw new TaskStartError(
        `"${this.spec.name}" cannot run: ${failures.join('; ')}. Install the command, or fix it in the topology (shell(command, script)), and run again`,
      );
    }
    this.expiry = setInterval(() => this.acker.expire(this.timeoutMs), this.expiryPeriodMs);
  }

  /**
   * Deactivate the spouts, let in-flight trees finish (or time out), then close every process's stdin so it
   * exits cleanly. Returns the per-component figures.
   */
  async stop(drainMs = this.timeoutMs): Promise<ComponentStats[]> {
    this.stopping = true;
    for (const task of this.running.values()) if (task.kind === 'spout') task.loop.deactivate();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const deadline = Date.now() + drainMs;
    this.draining = { step: 'deactivate', until: deadline };
    // First every spout must have answered `deactivate`: a `next` in progress may still emit a new tree.
    const spouts = [...this.running.values()].filter((t): t is SpoutTask => t.kind === 'spout');
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(spouts.map((t) => t.loop.deactivated)),
      new Promise<void>((resolve) => (giveUp = setTimeout(resolve, drainMs))),
    ]);
    // A timer left running would keep the process alive for the whole drain time after the summary.
    clearTimeout(giveUp);
    this.draining.step = 'trees';
    // Trees are checked for their timeout here as often as for completion: each one ends by its own timeout, which
    // is before the deadline (it started before the stop), not up to an expiry period later.
    for (;;) {
      this.acker.expire(this.timeoutMs);
      if (this.acker.size === 0 || Date.now() >= deadline) break;
      await sleep(20);
    }
    this.drainOver = true;
    this.draining = { step: 'close', until: Date.now() + EXIT_GRACE_MS };
    for (const task of this.running.values()) if (task.kind === 'spout') task.loop.poke();
    await Promise.all([...this.running.values()].map((t) => (t.kind === 'spout' ? t.loop.done : undefined)));
    if (this.expiry) clearInterval(this.expiry);
    await Promise.all(
      [...this.running.values()].map(async (task) => {
        if (task.kind === 'bolt') {
          if (task.tick) clearInterval(task.tick);
          // Storm drops what is still in an executor's queues when the worker is killed; say how much.
          this.stats.discarded(task.id, task.executor.queued + task.executor.pending);
        }
        await task.executor.stop();
      }),
    );
    this.draining = undefined;
    this.pidDir.remove();
    return this.summary();
  }

  /** While `stop` runs: what it is waiting for and the longest it can still take; undefined otherwise. */
  drainStatus(now = Date.now()): DrainStatus | undefined {
    const draining = this.draining;
    if (!draining) return undefined;
    const left = (until: number) => Math.max(0, until - now);
    if (draining.step === 'deactivate') {
      const busy = [...this.running.values()].filter((t) => t.kind === 'spout' && !t.loop.isDeactivated).map((t) => `${t.component.id}:${t.id}`);
      return { waitingFor: `spout task${busy.length === 1 ? '' : 's'} ${busy.join(', ')} to answer "deactivate"`, atMostMs: left(draining.until) };
    }
    if (draining.step === 'close') {
      return { waitingFor: `${this.running.size} component process${this.running.size === 1 ? '' : 'es'} to finish and exit`, atMostMs: left(draining.until) };
    }
    const holders: string[] = [];
    for (const task of this.running.values()) {
      const held = task.kind === 'bolt' ? task.executor.pending + task.executor.queued : 0;
      if (held > 0) holders.push(`${task.component.id}:${task.id} holds ${held}`);
    }
    // A loss older than the message timeout has timed out already.
    const down = [...this.losses]
      .filter(([, loss]) => now - loss.at < this.timeoutMs + this.expiryPeriodMs)
      .map(([task, loss]) => `${this.tasks.get(task)!.id}:${task} died holding ${loss.held} (${loss.why}): those can only time out`);
    // Every open tree was started before the stop, so each one ends by its message timeout at the latest.
    const lastTimeout = this.acker.newestStartedAt + this.timeoutMs;
    const trees = this.acker.size;
    return {
      waitingFor:
        `${trees} tuple tree${trees === 1 ? '' : 's'} to complete or time out (topology.message.timeout.secs=${this.timeoutMs / 1000})` +
        [...holders, ...down].map((part) => `; ${part}`).join(''),
      atMostMs: left(Math.min(draining.until, lastTimeout)),
    };
  }

  /** How often trees are checked for their message timeout. */
  private get expiryPeriodMs(): number {
    return Math.min(1000, this.timeoutMs);
  }

  /** Per-component figures so far, as `squall run` prints them at the stop. */
  summary(): ComponentStats[] {
    return this.stats.summary();
  }

  /** Per-task figures so far: what a Storm UI's component page shows per executor. */
  taskSummary(): TaskStats[] {
    return this.stats.taskSummary();
  }

  /** The latest measurements each task sent about itself (squall components; see squall.metrics.interval.secs). */
  measurements(): TaskMetrics[] {
    return this.stats.measurements();
  }

  /** Tuples waiting for a bolt task (held back by max.pending), across all bolt tasks. */
  get queuedTuples(): number {
    let n = 0;
    for (const task of this.running.values()) if (task.kind === 'bolt') n += task.executor.queued;
    return n;
  }

  /** Approximate bytes of the tuples waiting for bolt tasks, across all bolt tasks. */
  get queuedBytes(): number {
    let n = 0;
    for (const task of this.running.values()) if (task.kind === 'bolt') n += task.executor.queuedBytes;
    return n;
  }

  /** Message trees still open (spout emits not yet acked, failed or timed out). */
  get pendingTrees(): number {
    return this.acker.size;
  }

  private async launch(taskId: number): Promise<void> {
    const component = this.tasks.get(taskId)!;
    const proc = new ShellProcess(launchSpecFor(this.spec, component, this.options.resourcesDir, this.options.squall));
    const conf = taskConf(this.spec, component, this.stormId);
    let pid: number;
    try {
      pid = await proc.launch(conf, handshakeContext(this.spec, this.tasks, taskId), this.pidDir.path);
    } catch (err) {
      proc.kill();
      const death = err as ShellDeath;
      if (death.cannotStart && this.startFailures) {
        this.stats.died(taskId);
        this.startFailures.push(`${component.kind} "${component.id}" (task ${taskId}) ${death.message}`);
        return;
      }
      this.died(taskId, component, death);
      return;
    }
    // A restart that finished its handshake after `stop` began: `stop` no longer waits for it, so end it here.
    if (this.stopping) {
      await proc.stop();
      return;
    }
    this.watchPidFile(component, taskId, pid, proc);
    if (component.kind === 'bolt') this.startBolt(taskId, component, proc, conf);
    else this.startSpout(taskId, component, proc, conf);
  }

  private startBolt(taskId: number, component: ComponentSpec, proc: ShellProcess, conf: Record<string, unknown>): void {
    const executed = (input: Delivered, outcome: 'ack' | 'fail') => this.stats.executed(taskId, outcome, Date.now() - input.sentAt);
    const executor = new ShellBoltExecutor<Delivered>(
      proc,
      {
        emit: (stream, anchors, values, directTask) => {
          const targets = this.router.route(component.id, stream, values, directTask, taskId);
          const roots = anchors.length === 1 ? anchors[0]!.roots : [...new Set(anchors.flatMap((a) => a.roots))];
          this.acker.grow(roots, targets.length);
          this.stats.emitted(taskId);
          this.options.onEmit?.(component.id, taskId, stream, values);
          for (const target of targets) this.deliver(target, roots, component.id, stream, taskId, values);
          return targets;
        },
        ack: (input) => {
          executed(input, 'ack');
          this.acker.ack(input.roots);
        },
        fail: (input) => {
          executed(input, 'fail');
          this.acker.fail(input.roots);
        },
        ...this.reporting(component, taskId),
      },
      {
        timeoutMs: subprocessTimeoutMs(conf),
        maxPending: shellBoltMaxPending(conf),
        heartbeatMs: this.options.heartbeatMs,
      },
    );
    const task: BoltTask = { kind: 'bolt', id: taskId, component, executor, tick: undefined };
    const freq = Number(conf['topology.tick.tuple.freq.secs'] ?? 0);
    if (freq > 0) {
      task.tick = setInterval(() => executor.execute({ roots: [], sentAt: Date.now() }, '__system', '__tick', -1, [freq]), freq * 1000);
    }
    this.running.set(taskId, task);
    executor.start();
  }

  private startSpout(taskId: number, component: ComponentSpec, proc: ShellProcess, conf: Record<string, unknown>): void {
    const executor = new ShellSpoutExecutor(
      proc,
      {
        emit: (stream, values, messageId, directTask) => {
          const targets = this.router.route(component.id, stream, values, directTask, taskId);
          this.stats.emitted(taskId);
          this.options.onEmit?.(component.id, taskId, stream, values);
          let roots: number[] = [];
          if (messageId !== undefined) {
            // With topology.acker.executors 0 there is no acker: Storm acks a reliable emit at once.
            const root = this.acker.start(taskId, messageId, this.ackers ? targets.length : 0);
            if (root !== undefined) roots = [root];
          }
          // Its tuples are in no tree: the stop does not wait for them (a reliable emit that reached no task is acked).
          if (targets.length > 0 && roots.length === 0) this.stats.unreliableEmit(taskId);
          for (const target of targets) this.deliver(target, roots, component.id, stream, taskId, values);
          return targets;
        },
        ...this.reporting(component, taskId),
      },
      { timeoutMs: subprocessTimeoutMs(conf) },
    );
    const loop = new SpoutLoop(executor, maxSpoutPending(conf) ?? Infinity, {
      pending: () => this.acker.pendingFor(taskId),
      backPressure: () => this.backPressure(),
      drainOver: () => this.drainOver,
      settled: (outcome, latencyMs, timedOut) => this.stats.settled(taskId, outcome, latencyMs, timedOut),
    });
    this.running.set(taskId, { kind: 'spout', id: taskId, component, executor, loop });
    executor.start();
    loop.start();
  }

  /**
   * Storm never checks the pid file (storm.py writes it after sending the pid); only the supervisor needs it, to
   * kill the process later. So a late file is fine and a missing one is worth one warning, never a death.
   */
  private watchPidFile(component: ComponentSpec, taskId: number, pid: number, proc: ShellProcess): void {
    const file = join(this.pidDir.path, String(pid));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopping || proc.isClosed || existsSync(file) || this.warnedPidFile.has(component.id)) return;
      this.warnedPidFile.add(component.id);
      this.event(
        'warning',
        component,
        taskId,
        LogLevel.WARN,
        `no pid file ${file} ${(this.options.pidFileGraceMs ?? 2000) / 1000}s after the pid: on a cluster the supervisor could not kill this process (a component must create <pidDir>/<pid>)`,
      );
    }, this.options.pidFileGraceMs ?? 2000);
    this.timers.add(timer);
  }

  /**
   * Storm 2's back-pressure: while a bolt task's receive queue is full, spouts are not asked for more. Without it a
   * fast spout with no max.spout.pending (or emitting unreliably) would fill memory.
   */
  private backPressure(): boolean {
    for (const task of this.running.values()) {
      if (task.kind === 'bolt' && this.receiveQueue.isFull(task.executor)) return true;
    }
    return false;
  }

  /**
   * A bolt task's receive queue fill, 0..1: the load Storm's load-aware shuffle weighs (JCQueue.getQueueLoad), by
   * whichever of the queue's two limits (tuples, bytes) is nearer.
   */
  private load(task: number): number {
    const running = this.running.get(task);
    return running?.kind === 'bolt' ? this.receiveQueue.load(running.executor) : 0;
  }

  private deliver(target: number, roots: number[], source: string, stream: string, sourceTask: number, values: unknown[]): void {
    const task = this.running.get(target);
    // A task that is down (restarting) loses the tuple, as a dead worker does: its tree will time out.
    if (!task || task.kind !== 'bolt' || task.executor.isDead) return;
    task.executor.execute({ roots, sentAt: Date.now() }, source, stream, sourceTask, values);
  }

  /** A tree completed or failed: tell its spout task, between its `next` commands (counted when it answers). */
  private treeDone(tree: TreeOwner, command: 'ack' | 'fail', timedOut = false): void {
    const task = this.running.get(tree.spoutTask);
    if (task?.kind !== 'spout' || task.executor.isDead) return;
    task.loop.settle(command, tree.messageId, tree.startedAt, timedOut);
  }

  /** What every executor reports the same way: errors (as Storm's reportError shows them), logs, death. */
  private reporting(component: ComponentSpec, taskId: number) {
    // A death names the process's last reported error: what it threw, and where in the user's source.
    let lastError: string | undefined;
    return {
      error: (msg: string) => {
        lastError = msg;
        this.event('error', component, taskId, LogLevel.ERROR, `Shell Process Exception: ${msg}`);
      },
      log: (msg: string, level: number) => {
        // Measurement lines are data for `squall doctor`, not log lines to show.
        if (msg.startsWith(METRICS_PREFIX)) {
          const metrics = parseMetricsLine(msg);
          if (metrics) {
            this.stats.measure(taskId, metrics);
            this.options.onMetrics?.(metrics);
            return;
          }
        }
        this.event('log', component, taskId, level, msg);
      },
      died: (death: ShellDeath) =>
        this.died(taskId, component, lastError === undefined ? death : new ShellDeath(`${death.message}, its last error: ${lastError}`, death.cannotStart)),
    };
  }

  private event(kind: RuntimeEvent['kind'], component: ComponentSpec, task: number, level: number, message: string): void {
    this.options.onEvent?.({ kind, component: component.id, task, level, message });
  }

  /** What a worker would log before exiting 11; then restart the task, as the supervisor restarts the worker. */
  private died(taskId: number, component: ComponentSpec, death: ShellDeath): void {
    this.stats.died(taskId);
    const task = this.running.get(taskId);
    if (task?.kind === 'bolt' && task.tick) clearInterval(task.tick);
    const held = task?.kind === 'bolt' ? task.executor.pending + task.executor.queued : 0;
    // The reason without the stderr tail: one line of the drain's status.
    if (held > 0) this.losses.set(taskId, { why: death.message.split('; stderr:')[0]!, held, at: Date.now() });
    this.running.delete(taskId);
    if (component.kind === 'spout') this.acker.forgetSpout(taskId);
    this.event('death', component, taskId, LogLevel.ERROR, death.message);
    // A command that does not exist fails the same way every time: restarting it would only repeat the message.
    if (this.stopping || death.cannotStart) return;
    const delay = this.options.restartDelayMs ?? 1000;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopping) return;
      this.event('restart', component, taskId, LogLevel.WARN, 'restarting the task (a supervisor restarts the worker)');
      void this.launch(taskId);
    }, delay);
    this.timers.add(timer);
  }
}
