/**
 * TopologySpec → Storm's Thrift `StormTopology` (storm.thrift), written straight onto the wire.
 *
 * Field ids and types follow storm.thrift exactly: Java rejects a message with a missing required field, and
 * mis-reads one whose element types are wrong.
 */
import type { ComponentSpec, GroupingSpec, ImplSpec, InputSpec, TopologySpec } from '../topology/spec.js';
import { TType } from './thrift.js';
import type { ThriftWriter } from './thrift.js';

export interface StormTopologyOptions {
  /** What Storm runs for squall components, e.g. "node" (ShellComponent.execution_command). */
  nodeCommand: string;
  /** The topology bundle inside the JAR's resources/, e.g. "bundle.mjs" (ShellComponent.script). */
  bundleScript: string;
}

/**
 * Writes the fields of a StormTopology struct and its STOP; the caller writes the field header, e.g.
 * `w.fieldBegin(TType.STRUCT, 4); encodeStormTopology(w, spec, options);`.
 */
export function encodeStormTopology(w: ThriftWriter, spec: TopologySpec, options: StormTopologyOptions): void {
  const spouts = spec.components.filter((c) => c.kind === 'spout');
  const bolts = spec.components.filter((c) => c.kind === 'bolt');

  // 1: map<string, SpoutSpec>, 2: map<string, Bolt>. Both are {1: ComponentObject, 2: ComponentCommon}.
  for (const [fieldId, components] of [[1, spouts], [2, bolts]] as const) {
    w.fieldBegin(TType.MAP, fieldId).mapBegin(TType.STRING, TType.STRUCT, components.length);
    for (const component of components) {
      w.string(component.id);
      w.structField(1, () => writeComponentObject(w, component.impl, options));
      w.structField(2, () => writeComponentCommon(w, component));
      w.fieldStop();
    }
  }
  // 3: state_spouts is required although Storm never implemented them: send it empty.
  w.fieldBegin(TType.MAP, 3).mapBegin(TType.STRING, TType.STRUCT, 0);
  w.fieldStop();
}

/** ComponentObject union: 2 shell ShellComponent, or 3 java_object JavaObject. */
function writeComponentObject(w: ThriftWriter, impl: ImplSpec, options: StormTopologyOptions): void {
  switch (impl.type) {
    case 'squall':
      // The bundle picks the class by the component id Storm hands it in the handshake context.
      w.structField(2, () => w.stringField(1, options.nodeCommand).stringField(2, options.bundleScript));
      return;
    case 'shell':
      w.structField(2, () => w.stringField(1, impl.command).stringField(2, impl.script));
      return;
    case 'java':
      w.structField(3, () => {
        w.stringField(1, impl.className);
        w.fieldBegin(TType.LIST, 2).listBegin(TType.STRUCT, impl.args.length);
        for (const arg of impl.args) {
          writeJavaObjectArg(w, arg);
          w.fieldStop();
        }
      });
      return;
  }
}

/**
 * JavaObjectArg union. Integers go as i64 (long_arg): Storm picks the constructor by argument types, and a JSON-ish
 * number is most naturally a long; anything fractional is a double.
 */
function writeJavaObjectArg(w: ThriftWriter, arg: string | number | boolean): void {
  if (typeof arg === 'string') w.stringField(3, arg);
  else if (typeof arg === 'boolean') w.boolField(4, arg);
  else if (Number.isInteger(arg)) w.fieldBegin(TType.I64, 2).i64(arg);
  else w.fieldBegin(TType.DOUBLE, 6).double(arg);
}

function writeComponentCommon(w: ThriftWriter, component: ComponentSpec): void {
  // 1: inputs map<GlobalStreamId, Grouping> — struct keys, which is why this is hand-encoded.
  const inputs = uniqueInputs(component);
  w.fieldBegin(TType.MAP, 1).mapBegin(TType.STRUCT, TType.STRUCT, inputs.length);
  for (const input of inputs) {
    w.stringField(1, input.component).stringField(2, input.stream).fieldStop();
    writeGrouping(w, input.grouping);
    w.fieldStop();
  }

  // 2: streams map<string, StreamInfo{1 output_fields, 2 direct}>.
  const streams = Object.entries(component.outputs);
  w.fieldBegin(TType.MAP, 2).mapBegin(TType.STRING, TType.STRUCT, streams.length);
  for (const [streamId, stream] of streams) {
    w.string(streamId);
    writeStringList(w.fieldBegin(TType.LIST, 1), stream.fields);
    w.boolField(2, stream.direct);
    w.fieldStop();
  }

  // 3: parallelism_hint = executors; 4: json_conf carries the task count, fixed for the topology's life.
  w.i32Field(3, component.parallelism);
  w.stringField(4, JSON.stringify({ ...component.config, 'topology.tasks': component.tasks }));
}

/** Grouping union. Global is an empty fields list (storm.thrift says so); the rest are NullStructs. */
function writeGrouping(w: ThriftWriter, grouping: GroupingSpec): void {
  switch (grouping.type) {
    case 'fields':
      writeStringList(w.fieldBegin(TType.LIST, 1), grouping.fields);
      return;
    case 'global':
      writeStringList(w.fieldBegin(TType.LIST, 1), []);
      return;
    default:
      w.structField(NULL_STRUCT_GROUPING[grouping.type], () => {});
  }
}

const NULL_STRUCT_GROUPING = { shuffle: 2, all: 3, none: 4, direct: 5, local_or_shuffle: 8 } as const;

function writeStringList(w: ThriftWriter, values: readonly string[]): void {
  w.listBegin(TType.STRING, values.length);
  for (const value of values) w.string(value);
}

/**
 * The inputs map is keyed by (component, stream): a second subscription to the same stream would silently replace
 * the first on the Java side, so refuse it here instead.
 */
function uniqueInputs(component: ComponentSpec): InputSpec[] {
  const seen = new Set<string>();
  for (const input of component.inputs) {
    const key = JSON.stringify([input.component, input.stream]);
    if (seen.has(key)) {
      throw new Error(
        `${component.kind} "${component.id}" subscribes twice to stream "${input.stream}" of "${input.component}": ` +
          'Storm keeps one grouping per stream, so keep one subscription',
      );
    }
    seen.add(key);
  }
  return component.inputs;
}
