import type { ComponentClass } from '../component/serve.js';
import type { ComponentSpec, GroupingSpec, ImplSpec, InputSpec, StreamSpec, TopologySpec } from './spec.js';

/** A stream's output fields, or `{ fields, direct: true }` for a direct stream. */
export type StreamDeclaration = readonly string[] | { readonly fields: readonly string[]; readonly direct?: boolean };
/** Stream id → declaration. Most components declare only `default`. */
export type Outputs = { readonly [stream: string]: StreamDeclaration };

/** The field names a stream declaration declares, as a union of string literals. */
export type FieldsOf<D> = D extends readonly (infer F)[] ? F : D extends { readonly fields: readonly (infer F)[] } ? F : never;

/** A handle on a declared component, carrying its outputs' types so subscriptions can be checked. */
export interface ComponentRef<O extends Outputs> {
  readonly id: string;
  readonly outputs: O;
}

/** A multi-lang program in another language: Storm runs `[command, script]` with cwd = resources/. */
export interface ShellImpl {
  readonly shell: { command: string; script: string };
}
/** A JVM spout or bolt (cluster only): its class name and constructor arguments. */
export interface JavaImpl {
  readonly java: { className: string; args?: Array<string | number | boolean> };
}

export function shell(command: string, script: string): ShellImpl {
  return { shell: { command, script } };
}
export function java(className: string, ...args: Array<string | number | boolean>): JavaImpl {
  return { java: { className, args } };
}

export interface TopologyComponentOptions<O extends Outputs> {
  /** Declared output streams: `{ default: ['word'] }`. */
  outputs?: O;
  /** Executors (default 1). */
  parallelism?: number;
  /** Tasks (default = parallelism). Leave head-room here to scale with `rebalance` later. */
  tasks?: number;
  /** Component config; Storm lets it override some topology keys (e.g. topology.tick.tuple.freq.secs). */
  config?: Record<string, unknown>;
}

/** Subscriptions of a bolt, chained: `.shuffle(spout).fields(split, ['word'])`. */
export class BoltDeclarer<O extends Outputs> implements ComponentRef<O> {
  constructor(
    readonly id: string,
    readonly outputs: O,
    private readonly inputs: InputSpec[],
  ) {}

  /** Tuples spread randomly and evenly over this bolt's tasks. */
  shuffle<S extends Outputs, K extends keyof S & string = 'default'>(source: ComponentRef<S>, stream?: K): this {
    return this.subscribe(source, stream, { type: 'shuffle' });
  }
  /** Like shuffle, preferring tasks in the same worker. */
  localOrShuffle<S extends Outputs, K extends keyof S & string = 'default'>(source: ComponentRef<S>, stream?: K): this {
    return this.subscribe(source, stream, { type: 'local_or_shuffle' });
  }
  /** Tuples with equal values in `fields` always go to the same task. */
  fields<S extends Outputs, K extends keyof S & string = 'default'>(
    source: ComponentRef<S>,
    fields: ReadonlyArray<FieldsOf<S[K]>>,
    stream?: K,
  ): this {
    return this.subscribe(source, stream, { type: 'fields', fields: [...(fields as readonly string[])] });
  }
  /** Every task of this bolt receives every tuple. */
  all<S extends Outputs, K extends keyof S & string = 'default'>(source: ComponentRef<S>, stream?: K): this {
    return this.subscribe(source, stream, { type: 'all' });
  }
  /** Every tuple goes to this bolt's lowest task. */
  global<S extends Outputs, K extends keyof S & string = 'default'>(source: ComponentRef<S>, stream?: K): this {
    return this.subscribe(source, stream, { type: 'global' });
  }
  /** No preference (Storm treats it as shuffle). */
  none<S extends Outputs, K extends keyof S & string = 'default'>(source: ComponentRef<S>, stream?: K): this {
    return this.subscribe(source, stream, { type: 'none' });
  }
  /** The emitter picks the task (`emit(values, { directTask })`); the stream must be declared direct. */
  direct<S extends Outputs, K extends keyof S & string = 'default'>(source: ComponentRef<S>, stream?: K): this {
    return this.subscribe(source, stream, { type: 'direct' });
  }

  private subscribe(source: ComponentRef<Outputs>, stream: string | undefined, grouping: GroupingSpec): this {
    this.inputs.push({ component: source.id, stream: stream ?? 'default', grouping });
    return this;
  }
}

export type Implementation = ComponentClass | ShellImpl | JavaImpl;

/**
 * A topology declared in TypeScript:
 *
 *   const t = new Topology('wordcount', { 'topology.max.spout.pending': 100 });
 *   const sentences = t.spout('sentences', SentenceSpout, { outputs: { default: ['sentence'] } });
 *   const split = t.bolt('split', SplitBolt, { outputs: { default: ['word'] }, parallelism: 2 }).shuffle(sentences);
 *   t.bolt('count', CountBolt, { outputs: { default: ['word', 'count'] } }).fields(split, ['word']);
 *   export default t;
 */
export class Topology {
  private readonly components: ComponentSpec[] = [];
  private readonly classes = new Map<string, ComponentClass>();
  private readonly extraResources: string[] = [];

  constructor(
    readonly name: string,
    readonly config: Record<string, unknown> = {},
  ) {}

  spout<const O extends Outputs = { default: [] }>(id: string, impl: Implementation, options: TopologyComponentOptions<O> = {}): ComponentRef<O> {
    this.add(id, 'spout', impl, options, []);
    return { id, outputs: (options.outputs ?? {}) as O };
  }

  bolt<const O extends Outputs = { default: [] }>(id: string, impl: Implementation, options: TopologyComponentOptions<O> = {}): BoltDeclarer<O> {
    const inputs: InputSpec[] = [];
    this.add(id, 'bolt', impl, options, inputs);
    return new BoltDeclarer(id, (options.outputs ?? {}) as O, inputs);
  }

  /** Ship extra files (relative to the topology file) in the JAR's resources/, e.g. data a shell component reads. */
  resource(...paths: string[]): this {
    this.extraResources.push(...paths);
    return this;
  }

  /** The squall class that runs `componentId`, if it is one. */
  classFor(componentId: string): ComponentClass | undefined {
    return this.classes.get(componentId);
  }

  /** The topology as plain data. */
  toSpec(): TopologySpec {
    const scripts = this.components.flatMap((c) => (c.impl.type === 'shell' ? [c.impl.script] : []));
    return {
      name: this.name,
      config: { ...this.config },
      components: this.components.map((c) => ({ ...c, inputs: [...c.inputs], outputs: { ...c.outputs } })),
      resources: [...new Set([...scripts, ...this.extraResources])],
    };
  }

  private add(id: string, kind: 'spout' | 'bolt', impl: Implementation, options: TopologyComponentOptions<Outputs>, inputs: InputSpec[]): void {
    const parallelism = options.parallelism ?? 1;
    this.components.push({
      id,
      kind,
      impl: this.implSpec(id, impl),
      outputs: normalizeOutputs(options.outputs ?? {}),
      inputs,
      parallelism,
      tasks: options.tasks ?? parallelism,
      config: { ...(options.config ?? {}) },
    });
  }

  private implSpec(id: string, impl: Implementation): ImplSpec {
    if (typeof impl === 'function') {
      this.classes.set(id, impl);
      return { type: 'squall', className: impl.name };
    }
    if ('shell' in impl) return { type: 'shell', command: impl.shell.command, script: impl.shell.script };
    return { type: 'java', className: impl.java.className, args: impl.java.args ?? [] };
  }
}

function normalizeOutputs(outputs: Outputs): Record<string, StreamSpec> {
  const out: Record<string, StreamSpec> = {};
  for (const [stream, decl] of Object.entries(outputs)) {
    out[stream] = Array.isArray(decl)
      ? { fields: [...(decl as readonly string[])], direct: false }
      : { fields: [...(decl as { fields: readonly string[] }).fields], direct: Boolean((decl as { direct?: boolean }).direct) };
  }
  return out;
}
