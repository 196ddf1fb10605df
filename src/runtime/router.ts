import { stringifyMessage } from '../wire/codec.js';
import type { ComponentSpec, GroupingSpec, TopologySpec } from '../topology/spec.js';
import { firstTaskIndexes } from '../topology/executors.js';
import { javaListHash, taskIndex } from '../grouping/fields-hash.js';
import { LocalityScope } from './workers.js';
import type { WorkerPlan } from './workers.js';

/**
 * What a worker refuses in the shape of an emit by `source`: a stream it does not declare, or a number of values
 * other than the stream's fields (Storm's TupleImpl: "Tuple created with wrong number of fields"). Undefined when fine.
 */
export function emitShapeProblem(component: ComponentSpec | undefined, source: string, stream: string, values: readonly unknown[]): string | undefined {
  const declared = component?.outputs[stream];
  if (!declared) return `${source} emitted on stream "${stream}", which it does not declare: add it to the component's outputs`;
  if (values.length === declared.fields.length) return undefined;
  return `${source} emitted ${values.length} values on "${stream}", which declares ${declared.fields.length} fields (${declared.fields.join(', ')}): Tuple created with wrong number of fields`;
}

interface Subscription {
  component: string;
  grouping: GroupingSpec;
  tasks: number[];
  /** Positions of the grouping fields in the stream's fields (fields grouping). */
  fieldIndexes: number[];
  /**
   * The tasks a shuffle reaches. With load-aware messaging (Storm 2's default) only the first task of each executor:
   * WorkerState.refreshLoad files an executor's load under its first task alone, LoadMapping reads every other task
   * as not connected (load 1.0), and LoadAwareShuffleGrouping.updateRing takes 10 of its 100 weight away each
   * second, so within seconds those tasks receive nothing (seen on a cluster: a bolt of 1 executor and 4 tasks ran
   * every tuple on one task). The runtime leaves them out at once instead of over those seconds.
   */
  shuffleTasks: number[];
  /** Round-robin position (shuffle): Storm walks a shuffled list; any even spread behaves the same. */
  cursor: number;
  /** Shuffle with several workers: each sender task's locality scope (LoadAwareShuffleGrouping is per executor). */
  scopes: Map<number, LocalityScope>;
}

/**
 * Where each emitted tuple goes, by grouping: Storm's `Task.getOutgoingTasks`. Errors here are the ones that make
 * a real worker throw (undeclared stream, wrong arity, a regular emit on a direct stream, a direct emit to a task
 * expecting a regular grouping); the caller treats them as fatal for the emitting component.
 */
export class Router {
  /** `component\0stream` → subscriptions. */
  private readonly routes = new Map<string, Subscription[]>();
  private readonly components = new Map<string, ComponentSpec>();
  private readonly taskComponent = new Map<number, string>();

  constructor(
    spec: TopologySpec,
    tasks: Map<number, ComponentSpec>,
    /** Simulated workers (topology.workers > 1): locality-aware shuffles and the checks on tuples crossing workers. */
    private readonly plan?: WorkerPlan,
  ) {
    for (const c of spec.components) this.components.set(c.id, c);
    const tasksOf = new Map<string, number[]>();
    for (const [task, c] of tasks) {
      this.taskComponent.set(task, c.id);
      (tasksOf.get(c.id) ?? tasksOf.set(c.id, []).get(c.id)!).push(task);
    }
    for (const subscriber of spec.components) {
      for (const input of subscriber.inputs) {
        const key = `${input.component}\u0000${input.stream}`;
        const fields = this.components.get(input.component)?.outputs[input.stream]?.fields ?? [];
        const targets = (tasksOf.get(subscriber.id) ?? []).sort((a, b) => a - b);
        const loadAware = plan?.shuffle.loadAware ?? true;
        const subscription: Subscription = {
          component: subscriber.id,
          grouping: input.grouping,
          tasks: targets,
          shuffleTasks: loadAware ? firstTaskIndexes(targets.length, subscriber.parallelism).map((i) => targets[i]!) : targets,
          fieldIndexes: input.grouping.type === 'fields' ? input.grouping.fields.map((f) => fields.indexOf(f)) : [],
          cursor: Math.floor(Math.random() * 1000),
          scopes: new Map(),
        };
        (this.routes.get(key) ?? this.routes.set(key, []).get(key)!).push(subscription);
      }
    }
  }

  /**
   * Target tasks of one emit. Throws (with the fix) on what a worker would reject. `sourceTask` places the emitter
   * in its simulated worker, when there are several.
   */
  route(source: string, stream: string, values: unknown[], directTask: number | undefined, sourceTask?: number): number[] {
    const problem = emitShapeProblem(this.components.get(source), source, stream, values);
    if (problem) throw new Error(problem);
    const declared = this.components.get(source)!.outputs[stream]!;
    const subscriptions = this.routes.get(`${source}\u0000${stream}`) ?? [];
    if (directTask !== undefined) {
      if (!declared.direct) throw new Error(`${source} emitted directly on "${stream}", which is not declared direct: declare { fields, direct: true }`);
      const target = this.taskComponent.get(directTask);
      const subscription = subscriptions.find((s) => s.component === target);
      if (!subscription) return []; // Storm drops a direct emit to a task that does not subscribe
      if (subscription.grouping.type !== 'direct') throw new Error('Cannot emitDirect to a task expecting a regular grouping');
      this.checkCrossing(source, sourceTask, stream, declared.fields, values, [directTask]);
      return [directTask];
    }
    if (declared.direct && subscriptions.length > 0) throw new Error(`Cannot do regular emit to direct stream "${stream}" of ${source}`);
    const out: number[] = [];
    for (const s of subscriptions) {
      if (s.tasks.length === 0) continue;
      switch (s.grouping.type) {
        case 'all':
          out.push(...s.tasks);
          break;
        case 'global':
          out.push(s.tasks[0]!);
          break;
        case 'fields':
          out.push(s.tasks[taskIndex(hashValues(values, s.fieldIndexes), s.tasks.length)]!);
          break;
        case 'shuffle':
        case 'local_or_shuffle':
          out.push(this.shuffled(s, sourceTask));
          break;
        default:
          out.push(s.tasks[s.cursor++ % s.tasks.length]!);
      }
    }
    this.checkCrossing(source, sourceTask, stream, declared.fields, values, out);
    return out;
  }

  /**
   * A shuffled target. With one worker every target is local: take turns. With several, Storm 2 prefers the
   * sender's own worker (GrouperFactory: local_or_shuffle keeps to local targets when there are any; shuffle is
   * load-aware unless topology.disable.loadaware.messaging), see LocalityScope.
   */
  private shuffled(s: Subscription, sourceTask: number | undefined): number {
    const plan = this.plan;
    if (!plan || plan.workers < 2 || sourceTask === undefined) return s.shuffleTasks[s.cursor++ % s.shuffleTasks.length]!;
    let scope = s.scopes.get(sourceTask);
    if (!scope) {
      const local = plan.sameWorker(sourceTask, s.shuffleTasks);
      const targets = s.grouping.type === 'local_or_shuffle' && local.length > 0 ? local : s.shuffleTasks;
      scope = new LocalityScope(plan.sameWorker(sourceTask, targets), targets, plan.shuffle);
      s.scopes.set(sourceTask, scope);
    }
    return scope.next(plan.load);
  }

  private checkCrossing(
    source: string,
    sourceTask: number | undefined,
    stream: string,
    fields: string[],
    values: unknown[],
    targets: number[],
  ): void {
    if (!this.plan || sourceTask === undefined) return;
    const componentOf = (task: number) => this.taskComponent.get(task) ?? String(task);
    this.plan.checkCrossing(source, sourceTask, stream, fields, values, targets, componentOf);
  }
}

/**
 * The grouping hash of one tuple: Storm's `TupleUtils.chooseTaskIndex` hashes the grouping values as Java objects
 * (../grouping/fields-hash.ts), so a key reaches the same task index here as on a cluster.
 */
export function hashValues(values: unknown[], indexes: number[]): number {
  return javaListHash(indexes.map((i) => values[i]));
}
