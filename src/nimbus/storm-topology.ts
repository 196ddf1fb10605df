/**
 * TopologySpec → Storm's Thrift `StormTopology` (storm.thrift). Field ids and types live in ./schema.ts; this maps
 * squall's spec onto those structs. It only translates: the spec was validated (topology/validate.ts) when it was
 * loaded, before anything was built, uploaded or killed.
 */
import type { ComponentSpec, GroupingSpec, ImplSpec, TopologySpec } from '../topology/spec.js';
import { ComponentCommon, ComponentObject, Grouping, JavaObjectArg, StormTopology } from './schema.js';
import type { StructInput } from './schema.js';

export interface StormTopologyOptions {
  /** What Storm runs for squall components, e.g. "node" (ShellComponent.execution_command). */
  nodeCommand: string;
  /** The topology bundle inside the JAR's resources/, e.g. "squall-topology.mjs" (ShellComponent.script). */
  bundleScript: string;
}

/** The StormTopology value for a spec: field 4 of submitTopologyWithOpts. */
export function stormTopology(spec: TopologySpec, options: StormTopologyOptions): StructInput<typeof StormTopology.fields> {
  const ofKind = (kind: ComponentSpec['kind']) => spec.components.filter((c) => c.kind === kind);
  return {
    spouts: ofKind('spout').map((c) => [c.id, { spoutObject: componentObject(c.impl, options), common: componentCommon(c) }] as const),
    bolts: ofKind('bolt').map((c) => [c.id, { boltObject: componentObject(c.impl, options), common: componentCommon(c) }] as const),
    stateSpouts: [],
  };
}

function componentObject(impl: ImplSpec, options: StormTopologyOptions): StructInput<typeof ComponentObject.fields> {
  switch (impl.type) {
    case 'squall':
      // The bundle picks the class by the component id Storm hands it in the handshake context.
      return { shell: { executionCommand: options.nodeCommand, script: options.bundleScript } };
    case 'shell':
      return { shell: { executionCommand: impl.command, script: impl.script } };
    case 'java':
      return { javaObject: { fullClassName: impl.className, argsList: impl.args.map(javaObjectArg) } };
  }
}

/**
 * Integers go as long_arg: Storm picks the constructor by argument types, and a JSON-ish number is most naturally a
 * long; anything fractional is a double.
 */
function javaObjectArg(arg: string | number | boolean): StructInput<typeof JavaObjectArg.fields> {
  if (typeof arg === 'string') return { stringArg: arg };
  if (typeof arg === 'boolean') return { boolArg: arg };
  return Number.isInteger(arg) ? { longArg: arg } : { doubleArg: arg };
}

function componentCommon(component: ComponentSpec): StructInput<typeof ComponentCommon.fields> {
  return {
    inputs: component.inputs.map((input) => [{ componentId: input.component, streamId: input.stream }, grouping(input.grouping)] as const),
    streams: Object.entries(component.outputs).map(([streamId, stream]) => [streamId, { outputFields: stream.fields, direct: stream.direct }] as const),
    // Executors; json_conf carries the task count, fixed for the topology's life.
    parallelismHint: component.parallelism,
    jsonConf: JSON.stringify({ ...component.config, 'topology.tasks': component.tasks }),
  };
}

/** Global is an empty fields list (storm.thrift says so); the rest but fields are NullStructs. */
function grouping(spec: GroupingSpec): StructInput<typeof Grouping.fields> {
  switch (spec.type) {
    case 'fields':
      return { fields: spec.fields };
    case 'global':
      return { fields: [] };
    case 'shuffle':
      return { shuffle: {} };
    case 'all':
      return { all: {} };
    case 'none':
      return { none: {} };
    case 'direct':
      return { direct: {} };
    case 'local_or_shuffle':
      return { localOrShuffle: {} };
  }
}
