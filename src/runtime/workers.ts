/**
 * Simulated workers: which worker each task would run in on a cluster, where a shuffled tuple really goes, and what
 * happens to a tuple that crosses from one worker to another. With `topology.workers` > 1 the embedded runtime still
 * runs every task on this machine, but routes and checks tuples as the workers of a real cluster would.
 */
import { executorSizes } from '../topology/executors.js';
import type { ComponentSpec } from '../topology/spec.js';

/** json-smart's classes as Storm 2.6+ ships them (shaded); what a nested multi-lang value becomes in Java. */
const JSON_OBJECT_CLASS = 'org.apache.storm.shade.net.minidev.json.JSONObject';
const JSON_ARRAY_CLASS = 'org.apache.storm.shade.net.minidev.json.JSONArray';

/** A component as Storm's scheduler counts it: user components plus the system ones that take executors. */
interface CountedComponent {
  id: string;
  tasks: number;
  executors: number;
  /** The component's tasks in the embedded runtime (absent for system components). */
  localTasks?: number[];
}

/**
 * Task → worker index (0-based), as Storm's DefaultScheduler places a fresh topology on an empty cluster:
 * - task ids go to components in component-id order, system components included (StormCommon.stormTaskInfo):
 *   `__acker` (topology.acker.executors, default one per worker) and `__eventlogger` (default 0) take ids too;
 * - each component's tasks split into `parallelism` executors, larger chunks first (Utils.partitionFixed);
 * - executors, sorted by first task id, go round-robin over the worker slots (EvenScheduler.scheduleTopology).
 * The embedded runtime numbers only user components' tasks (it has no acker tasks); the placement is computed with
 * Storm's ids and mapped back, so where a task runs matches the cluster even though its id may differ.
 */
export function assignWorkers(tasks: Map<number, ComponentSpec>, conf: Record<string, unknown>): Map<number, number> {
  const workers = workerCount(conf);
  const byComponent = new Map<string, CountedComponent>();
  for (const [task, component] of [...tasks].sort(([a], [b]) => a - b)) {
    const counted = byComponent.get(component.id) ?? { id: component.id, tasks: 0, executors: component.parallelism, localTasks: [] };
    counted.tasks++;
    counted.localTasks!.push(task);
    byComponent.set(component.id, counted);
  }
  const ackers = conf['topology.acker.executors'] ?? workers;
  const eventLoggers = conf['topology.eventlogger.executors'] ?? 0;
  for (const [id, n] of [['__acker', ackers], ['__eventlogger', eventLoggers]] as const) {
    const count = Number(n);
    if (count > 0) byComponent.set(id, { id, tasks: count, executors: count });
  }
  // Java's String order (UTF-16 code units), which JavaScript's < also uses: "Zeta" < "__acker" < "alpha".
  const ordered = [...byComponent.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const executors: Array<{ first: number; localTasks: number[] }> = [];
  let nextStormTask = 1;
  for (const component of ordered) {
    let taken = 0;
    for (const size of executorSizes(component.tasks, component.executors)) {
      executors.push({ first: nextStormTask + taken, localTasks: component.localTasks?.slice(taken, taken + size) ?? [] });
      taken += size;
    }
    nextStormTask += component.tasks;
  }
  executors.sort((a, b) => a.first - b.first);
  const placement = new Map<number, number>();
  executors.forEach((executor, i) => {
    for (const task of executor.localTasks) placement.set(task, i % workers);
  });
  return placement;
}

/** `topology.workers` (default 1). */
export function workerCount(conf: Record<string, unknown>): number {
  const n = Number(conf['topology.workers'] ?? 1);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

/** The load-aware shuffle's settings (GrouperFactory, LoadAwareShuffleGrouping). */
export interface ShuffleSettings {
  loadAware: boolean;
  lowerBound: number;
  higherBound: number;
}

export function shuffleSettings(conf: Record<string, unknown>): ShuffleSettings {
  return {
    loadAware: conf['topology.disable.loadaware.messaging'] !== true,
    lowerBound: Number(conf['topology.localityaware.lower.bound'] ?? 0.2),
    higherBound: Number(conf['topology.localityaware.higher.bound'] ?? 0.8),
  };
}

/**
 * One sender task's view of one shuffled subscription, as Storm 2's LoadAwareShuffleGrouping keeps it: it starts
 * with the targets in its own worker and widens to every target only while those are loaded above `higherBound`
 * (on average), narrowing back once the local ones fall below `lowerBound`. Load is a target's receive queue fill.
 *
 * Where the runtime differs, on purpose: the scope is re-evaluated at each tuple instead of once a second; within
 * the scope, targets take turns instead of by weight; and all simulated workers share one host, so the wider scope
 * is every target (Storm's HOST_LOCAL, RACK_LOCAL and EVERYTHING scopes are one step here).
 */
export class LocalityScope {
  private widened = false;
  private cursor = Math.floor(Math.random() * 1000);

  constructor(
    private readonly local: number[],
    private readonly all: number[],
    private readonly settings: ShuffleSettings,
  ) {}

  next(load: (task: number) => number): number {
    const scope = this.scope(load);
    return scope[this.cursor++ % scope.length]!;
  }

  private scope(load: (task: number) => number): number[] {
    if (!this.settings.loadAware || this.local.length === 0) return this.all;
    const localLoad = average(this.local, load);
    if (!this.widened && localLoad > this.settings.higherBound) this.widened = true;
    else if (this.widened && localLoad < this.settings.lowerBound) this.widened = false;
    return this.widened ? this.all : this.local;
  }
}

function average(tasks: number[], load: (task: number) => number): number {
  let sum = 0;
  for (const task of tasks) sum += load(task);
  return sum / tasks.length;
}

/** What the embedded runtime knows about its simulated workers. */
export class WorkerPlan {
  readonly workers: number;
  readonly shuffle: ShuffleSettings;
  private readonly placement: Map<number, number>;

  constructor(
    tasks: Map<number, ComponentSpec>,
    conf: Record<string, unknown>,
    /** A task's receive queue fill, 0..1 (LoadMapping's local load). */
    readonly load: (task: number) => number = () => 0,
  ) {
    this.workers = workerCount(conf);
    this.placement = assignWorkers(tasks, conf);
    this.shuffle = shuffleSettings(conf);
  }

  workerOf(task: number): number {
    return this.placement.get(task) ?? 0;
  }

  /** One line per worker, for `squall run`: `worker 1: count:1 sentences:3 split:6 split:7`. */
  describe(tasks: Map<number, ComponentSpec>): string[] {
    const lines: string[][] = Array.from({ length: this.workers }, () => []);
    for (const [task, component] of [...tasks].sort(([a], [b]) => a - b)) lines[this.workerOf(task)]!.push(`${component.id}:${task}`);
    return lines.map((members, i) => `worker ${i + 1}: ${members.join(' ') || '(no executors)'}`);
  }

  /** The tasks among `targets` that run in the same worker as `task`. */
  sameWorker(task: number, targets: number[]): number[] {
    const worker = this.workerOf(task);
    return targets.filter((t) => this.workerOf(t) === worker);
  }

  /**
   * Throw what a real worker throws when a tuple crosses to another worker carrying a value Kryo cannot serialize:
   * a nested object or array from a multi-lang component arrives in Java as json-smart's JSONObject/JSONArray,
   * which is not registered with Kryo (topology.fall.back.on.java.serialization is false by default). On a cluster
   * the emitter's executor loop dies and takes its worker with it; the supervisor restarts it, over and over.
   */
  checkCrossing(
    source: string,
    sourceTask: number,
    stream: string,
    fields: string[],
    values: unknown[],
    targets: number[],
    targetComponent: (task: number) => string,
  ): void {
    if (this.workers < 2) return;
    const from = this.workerOf(sourceTask);
    const target = targets.find((t) => this.workerOf(t) !== from);
    if (target === undefined) return;
    const at = values.findIndex((v) => typeof v === 'object' && v !== null);
    if (at < 0) return;
    const kind = Array.isArray(values[at]) ? 'array' : 'object';
    throw new Error(
      `java.lang.IllegalArgumentException: Class is not registered: ${kind === 'array' ? JSON_ARRAY_CLASS : JSON_OBJECT_CLASS} ` +
        '(WorkerTransfer.tryTransferRemote; Async loop died! The worker exits and its supervisor restarts it). ' +
        `squall: ${source} (task ${sourceTask}, worker ${from + 1} of ${this.workers}) emitted a nested ${kind} in field ` +
        `"${fields[at] ?? at}" on stream "${stream}" to ${targetComponent(target)} (task ${target}, worker ${this.workerOf(target) + 1}); ` +
        "between workers Storm serializes tuples with Kryo, which does not know json-smart's classes. Fix: emit the value as " +
        'JSON text (e.g. json.dumps) and parse it in the consumer, or mark it for squall bolts to restore ("\\u001e" + JSON ' +
        'text, see docs/sdk.md "Values"); a squall component does this by default unless squall.encode.nested is false.',
    );
  }
}
