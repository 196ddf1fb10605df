import type { ContextGrouping, HandshakeContext } from '../wire/messages.js';
import { DEFAULT_STREAM } from '../wire/messages.js';

/**
 * What Storm tells a component about its place in the topology, from the handshake's `context`.
 * Task ids arrive as string keys (JSON objects have no number keys); this exposes them as numbers.
 */
export class TopologyContext {
  readonly taskId: number;
  readonly componentId: string;
  /** Every task of the topology and the component it runs. */
  readonly taskToComponent: ReadonlyMap<number, string>;
  private readonly fieldIndexes = new Map<string, ReadonlyMap<string, number>>();

  constructor(readonly raw: HandshakeContext) {
    this.taskId = raw.taskid;
    this.componentId = raw.componentid;
    const tasks = new Map<number, string>();
    for (const [task, component] of Object.entries(raw['task->component'] ?? {})) tasks.set(Number(task), component);
    this.taskToComponent = tasks;
  }

  /** Task ids running `component`, ascending (the order Storm assigns direct-grouping targets in). */
  componentTasks(component: string): number[] {
    const out: number[] = [];
    for (const [task, name] of this.taskToComponent) if (name === component) out.push(task);
    return out.sort((a, b) => a - b);
  }

  /** The streams this component declares. */
  get streams(): string[] {
    return this.raw.streams ?? Object.keys(this.raw['stream->outputfields'] ?? {});
  }

  /** Output fields this component declared for `stream`. */
  outputFields(stream: string = DEFAULT_STREAM): string[] | undefined {
    return this.raw['stream->outputfields']?.[stream];
  }

  /** Fields of the tuples this component receives from `component` on `stream`. */
  sourceFields(component: string, stream: string = DEFAULT_STREAM): string[] | undefined {
    return this.raw['source->stream->fields']?.[component]?.[stream];
  }

  /** How this component subscribes to `component`'s `stream`. */
  sourceGrouping(component: string, stream: string = DEFAULT_STREAM): ContextGrouping | undefined {
    return this.raw['source->stream->grouping']?.[component]?.[stream];
  }

  /** Who subscribes to this component's `stream`, and how. */
  targets(stream: string = DEFAULT_STREAM): Record<string, ContextGrouping> {
    return this.raw['stream->target->grouping']?.[stream] ?? {};
  }

  /** Field name → position for tuples from (component, stream); built once per source stream. */
  fieldIndex(component: string, stream: string): ReadonlyMap<string, number> | undefined {
    const key = `${component}\u0000${stream}`;
    let index = this.fieldIndexes.get(key);
    if (index === undefined) {
      const fields = this.sourceFields(component, stream);
      if (fields === undefined) return undefined;
      index = new Map(fields.map((field, i) => [field, i]));
      this.fieldIndexes.set(key, index);
    }
    return index;
  }
}
