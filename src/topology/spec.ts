/**
 * A topology as plain data: what validation checks, what the embedded runtime wires up, and what becomes
 * Storm's Thrift `StormTopology` (../nimbus/storm-topology.ts). The typed builder in ./builder.ts produces it.
 */

export type GroupingSpec =
  | { type: 'shuffle' }
  | { type: 'fields'; fields: string[] }
  | { type: 'all' }
  | { type: 'global' }
  | { type: 'none' }
  | { type: 'direct' }
  | { type: 'local_or_shuffle' };

export interface InputSpec {
  component: string;
  stream: string;
  grouping: GroupingSpec;
}

export interface StreamSpec {
  fields: string[];
  /** Tuples on a direct stream go to the task the emitter names (`emitDirect`). */
  direct: boolean;
}

/** How a component runs. */
export type ImplSpec =
  /** A squall class, run by the topology bundle (`node squall-topology.mjs`, chosen by component id). */
  | { type: 'squall'; className: string }
  /** Any multi-lang program: Storm starts `[command, script]` in the resources folder. */
  | { type: 'shell'; command: string; script: string }
  /** A JVM class: cluster only. */
  | { type: 'java'; className: string; args: Array<string | number | boolean> };

export interface ComponentSpec {
  id: string;
  kind: 'spout' | 'bolt';
  impl: ImplSpec;
  outputs: Record<string, StreamSpec>;
  inputs: InputSpec[];
  /** Executors (Storm's parallelism hint). */
  parallelism: number;
  /** Tasks (fixed at submit; rebalance can raise executors only up to this). */
  tasks: number;
  /** Per-component config (Storm's `json_conf`). */
  config: Record<string, unknown>;
}

export interface TopologySpec {
  name: string;
  config: Record<string, unknown>;
  components: ComponentSpec[];
  /** Files shipped next to the bundle in `resources/` (scripts of shell components), relative to the topology. */
  resources: string[];
}
