/**
 * A fake Nimbus for tests: framed binary Thrift on 127.0.0.1, decoding what it receives independently of squall's
 * encoder. Reading and writing go through the `thrift` npm runtime's TBinaryProtocol (a reference implementation,
 * not ours); every message is first read into a tree by wire type alone, then checked against the IDL below (taken
 * from Storm's storm-client/src/storm.thrift). A missing required field or a wrong wire type is
 * answered as Java's generated code would (a TApplicationException PROTOCOL_ERROR) and recorded in
 * `protocolErrors`, which tests assert is empty.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import thrift from 'thrift';

// ---------------------------------------------------------------------------------------------------------------
// IDL

type T =
  | 'bool'
  | 'byte'
  | 'i16'
  | 'i32'
  | 'i64'
  | 'double'
  | 'string'
  | 'binary'
  | { struct: string }
  | { list: T }
  | { set: T }
  | { map: [T, T] };

interface FieldDef {
  name: string;
  type: T;
  required?: boolean;
}
interface StructDef {
  union?: boolean;
  fields: Record<number, FieldDef>;
}

const s = (name: string): T => ({ struct: name });
const r = (name: string, type: T): FieldDef => ({ name, type, required: true });
const o = (name: string, type: T): FieldDef => ({ name, type });
const EXCEPTION: StructDef = { fields: { 1: r('msg', 'string') } };

const IDL: Record<string, StructDef> = {
  GlobalStreamId: { fields: { 1: r('componentId', 'string'), 2: r('streamId', 'string') } },
  NullStruct: { fields: {} },
  Grouping: {
    union: true,
    fields: {
      1: o('fields', { list: 'string' }),
      2: o('shuffle', s('NullStruct')),
      3: o('all', s('NullStruct')),
      4: o('none', s('NullStruct')),
      5: o('direct', s('NullStruct')),
      6: o('custom_object', s('JavaObject')),
      7: o('custom_serialized', 'binary'),
      8: o('local_or_shuffle', s('NullStruct')),
    },
  },
  StreamInfo: { fields: { 1: r('output_fields', { list: 'string' }), 2: r('direct', 'bool') } },
  ShellComponent: { fields: { 1: o('execution_command', 'string'), 2: o('script', 'string') } },
  JavaObjectArg: {
    union: true,
    fields: {
      1: o('int_arg', 'i32'),
      2: o('long_arg', 'i64'),
      3: o('string_arg', 'string'),
      4: o('bool_arg', 'bool'),
      5: o('binary_arg', 'binary'),
      6: o('double_arg', 'double'),
    },
  },
  JavaObject: { fields: { 1: r('full_class_name', 'string'), 2: r('args_list', { list: s('JavaObjectArg') }) } },
  ComponentObject: {
    union: true,
    fields: { 1: o('serialized_java', 'binary'), 2: o('shell', s('ShellComponent')), 3: o('java_object', s('JavaObject')) },
  },
  ComponentCommon: {
    fields: {
      1: r('inputs', { map: [s('GlobalStreamId'), s('Grouping')] }),
      2: r('streams', { map: ['string', s('StreamInfo')] }),
      3: o('parallelism_hint', 'i32'),
      4: o('json_conf', 'string'),
    },
  },
  SpoutSpec: { fields: { 1: r('spout_object', s('ComponentObject')), 2: r('common', s('ComponentCommon')) } },
  Bolt: { fields: { 1: r('bolt_object', s('ComponentObject')), 2: r('common', s('ComponentCommon')) } },
  StateSpoutSpec: { fields: { 1: r('state_spout_object', s('ComponentObject')), 2: r('common', s('ComponentCommon')) } },
  StormTopology: {
    fields: {
      1: r('spouts', { map: ['string', s('SpoutSpec')] }),
      2: r('bolts', { map: ['string', s('Bolt')] }),
      3: r('state_spouts', { map: ['string', s('StateSpoutSpec')] }),
      4: o('worker_hooks', { list: 'binary' }),
      5: o('dependency_jars', { list: 'string' }),
      6: o('dependency_artifacts', { list: 'string' }),
      7: o('storm_version', 'string'),
      8: o('jdk_version', 'string'),
    },
  },
  Credentials: { fields: { 1: r('creds', { map: ['string', 'string'] }), 2: o('topoOwner', 'string') } },
  SubmitOptions: { fields: { 1: r('initial_status', 'i32'), 2: o('creds', s('Credentials')) } },
  KillOptions: { fields: { 1: o('wait_secs', 'i32') } },
  RebalanceOptions: {
    fields: { 1: o('wait_secs', 'i32'), 2: o('num_workers', 'i32'), 3: o('num_executors', { map: ['string', 'i32'] }) },
  },
  NimbusSummary: {
    fields: { 1: r('host', 'string'), 2: r('port', 'i32'), 3: r('uptime_secs', 'i32'), 4: r('isLeader', 'bool'), 5: r('version', 'string') },
  },
  // Some optional fields newer Nimbus versions send are included, so the client's skipping is exercised.
  TopologySummary: {
    fields: {
      1: r('id', 'string'),
      2: r('name', 'string'),
      3: r('num_tasks', 'i32'),
      4: r('num_executors', 'i32'),
      5: r('num_workers', 'i32'),
      6: r('uptime_secs', 'i32'),
      7: r('status', 'string'),
      8: o('storm_version', 'string'),
      513: o('sched_status', 'string'),
      514: o('owner', 'string'),
      521: o('requested_memonheap', 'double'),
    },
  },
  SupervisorSummary: {
    fields: {
      1: r('host', 'string'),
      2: r('uptime_secs', 'i32'),
      3: r('num_workers', 'i32'),
      4: r('num_used_workers', 'i32'),
      5: r('supervisor_id', 'string'),
      6: o('version', 'string'),
      7: o('total_resources', { map: ['string', 'double'] }),
    },
  },
  ClusterSummary: {
    fields: {
      1: r('supervisors', { list: s('SupervisorSummary') }),
      3: r('topologies', { list: s('TopologySummary') }),
      4: r('nimbuses', { list: s('NimbusSummary') }),
    },
  },
  ExecutorInfo: { fields: { 1: r('task_start', 'i32'), 2: r('task_end', 'i32') } },
  ExecutorSummary: {
    fields: { 1: r('executor_info', s('ExecutorInfo')), 2: r('component_id', 'string'), 3: r('host', 'string'), 4: r('port', 'i32'), 5: r('uptime_secs', 'i32') },
  },
  ErrorInfo: { fields: { 1: r('error', 'string'), 2: r('error_time_secs', 'i32') } },
  TopologyInfo: {
    fields: {
      1: r('id', 'string'),
      2: r('name', 'string'),
      3: r('uptime_secs', 'i32'),
      4: r('executors', { list: s('ExecutorSummary') }),
      5: r('status', 'string'),
      6: r('errors', { map: ['string', { list: s('ErrorInfo') }] }),
      8: o('storm_version', 'string'),
    },
  },
  AlreadyAliveException: EXCEPTION,
  NotAliveException: EXCEPTION,
  InvalidTopologyException: EXCEPTION,
  AuthorizationException: EXCEPTION,
};

type ExceptionName = 'AlreadyAliveException' | 'NotAliveException' | 'InvalidTopologyException' | 'AuthorizationException';

/** Method → its args struct (args are all sent by squall, so all are required here), result type and exceptions. */
interface MethodDef {
  args: Record<number, FieldDef>;
  success?: T;
  throws: Partial<Record<ExceptionName, number>>;
}
const AUTH = { AuthorizationException: 1 };
const SUBMIT_THROWS = { AlreadyAliveException: 1, InvalidTopologyException: 2, AuthorizationException: 3 };
const LIFECYCLE_THROWS = { NotAliveException: 1, AuthorizationException: 2 };
const NAME = { 1: r('name', 'string') };
const SUBMIT_ARGS = { 1: r('name', 'string'), 2: r('uploadedJarLocation', 'string'), 3: r('jsonConf', 'string'), 4: r('topology', s('StormTopology')) };

const METHODS: Record<string, MethodDef> = {
  getLeader: { args: {}, success: s('NimbusSummary'), throws: AUTH },
  getClusterInfo: { args: {}, success: s('ClusterSummary'), throws: AUTH },
  getNimbusConf: { args: {}, success: 'string', throws: AUTH },
  getTopologyInfo: { args: { 1: r('id', 'string') }, success: s('TopologyInfo'), throws: LIFECYCLE_THROWS },
  isTopologyNameAllowed: { args: NAME, success: 'bool', throws: AUTH },
  beginFileUpload: { args: {}, success: 'string', throws: AUTH },
  uploadChunk: { args: { 1: r('location', 'string'), 2: r('chunk', 'binary') }, throws: AUTH },
  finishFileUpload: { args: { 1: r('location', 'string') }, throws: AUTH },
  submitTopology: { args: SUBMIT_ARGS, throws: SUBMIT_THROWS },
  submitTopologyWithOpts: { args: { ...SUBMIT_ARGS, 5: r('options', s('SubmitOptions')) }, throws: SUBMIT_THROWS },
  killTopology: { args: NAME, throws: LIFECYCLE_THROWS },
  killTopologyWithOpts: { args: { ...NAME, 2: r('options', s('KillOptions')) }, throws: LIFECYCLE_THROWS },
  activate: { args: NAME, throws: LIFECYCLE_THROWS },
  deactivate: { args: NAME, throws: LIFECYCLE_THROWS },
  rebalance: { args: { ...NAME, 2: r('options', s('RebalanceOptions')) }, throws: { NotAliveException: 1, InvalidTopologyException: 2, AuthorizationException: 3 } },
};

// Wire type ids (Thrift binary protocol).
const W = { STOP: 0, BOOL: 2, BYTE: 3, DOUBLE: 4, I16: 6, I32: 8, I64: 10, STRING: 11, STRUCT: 12, MAP: 13, SET: 14, LIST: 15 } as const;
const WIRE_NAMES: Record<number, string> = { 2: 'bool', 3: 'byte', 4: 'double', 6: 'i16', 8: 'i32', 10: 'i64', 11: 'string', 12: 'struct', 13: 'map', 14: 'set', 15: 'list' };

function wireType(t: T): number {
  if (typeof t === 'string') {
    return { bool: W.BOOL, byte: W.BYTE, i16: W.I16, i32: W.I32, i64: W.I64, double: W.DOUBLE, string: W.STRING, binary: W.STRING }[t];
  }
  if ('struct' in t) return W.STRUCT;
  if ('list' in t) return W.LIST;
  if ('set' in t) return W.SET;
  return W.MAP;
}

// ---------------------------------------------------------------------------------------------------------------
// Generic reading: a tree by wire type, no IDL involved

type Proto = thrift.TBinaryProtocol;

interface WireStruct {
  kind: 'struct';
  fields: Map<number, { type: number; value: WireValue }>;
  duplicates: number[];
}
interface WireList {
  kind: 'list';
  elementType: number;
  items: WireValue[];
}
interface WireMap {
  kind: 'map';
  keyType: number;
  valueType: number;
  entries: Array<[WireValue, WireValue]>;
}
type WireValue = boolean | number | bigint | Buffer | WireStruct | WireList | WireMap;

function readWire(p: Proto, type: number, depth = 0): WireValue {
  if (depth > 64) throw new Error('nesting deeper than 64');
  switch (type) {
    case W.BOOL:
      return p.readBool();
    case W.BYTE:
      return p.readByte();
    case W.I16:
      return p.readI16();
    case W.I32:
      return p.readI32();
    case W.I64: {
      const v = p.readI64();
      return v.buffer.readBigInt64BE(v.offset);
    }
    case W.DOUBLE:
      return p.readDouble();
    case W.STRING:
      return p.readBinary();
    case W.STRUCT: {
      const out: WireStruct = { kind: 'struct', fields: new Map(), duplicates: [] };
      p.readStructBegin();
      for (;;) {
        const f = p.readFieldBegin();
        if (f.ftype === W.STOP) break;
        if (out.fields.has(f.fid)) out.duplicates.push(f.fid);
        out.fields.set(f.fid, { type: f.ftype, value: readWire(p, f.ftype, depth + 1) });
        p.readFieldEnd();
      }
      p.readStructEnd();
      return out;
    }
    case W.MAP: {
      const m = p.readMapBegin();
      const out: WireMap = { kind: 'map', keyType: m.ktype, valueType: m.vtype, entries: [] };
      for (let i = 0; i < m.size; i++) out.entries.push([readWire(p, m.ktype, depth + 1), readWire(p, m.vtype, depth + 1)]);
      p.readMapEnd();
      return out;
    }
    case W.SET:
    case W.LIST: {
      const l = type === W.SET ? p.readSetBegin() : p.readListBegin();
      const out: WireList = { kind: 'list', elementType: l.etype, items: [] };
      for (let i = 0; i < l.size; i++) out.items.push(readWire(p, l.etype, depth + 1));
      return out;
    }
    default:
      throw new Error(`unknown wire type ${type}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Checking a tree against the IDL, producing plain values named as in storm.thrift

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function typeName(t: T): string {
  if (typeof t === 'string') return t;
  if ('struct' in t) return t.struct;
  if ('list' in t) return `list<${typeName(t.list)}>`;
  if ('set' in t) return `set<${typeName(t.set)}>`;
  return `map<${typeName(t.map[0])},${typeName(t.map[1])}>`;
}

/** Converts a wire value of the right wire type; records every deviation from the IDL in `errors`. */
function check(value: WireValue, t: T, path: string, errors: string[]): unknown {
  if (typeof t === 'string') {
    switch (t) {
      case 'string':
        try {
          return UTF8.decode(value as Buffer);
        } catch {
          errors.push(`${path}: string is not valid UTF-8`);
          return '';
        }
      case 'binary':
        return Buffer.from(value as Buffer);
      case 'i64': {
        const big = value as bigint;
        return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
      }
      default:
        return value;
    }
  }
  if ('struct' in t) return checkStruct(value as WireStruct, t.struct, IDL[t.struct]!, path, errors);
  if ('list' in t || 'set' in t) {
    const element = 'list' in t ? t.list : t.set;
    const list = value as WireList;
    if (list.elementType !== wireType(element)) {
      errors.push(`${path}: ${typeName(t)} sent with element wire type ${WIRE_NAMES[list.elementType] ?? list.elementType}`);
      return [];
    }
    return list.items.map((item, i) => check(item, element, `${path}[${i}]`, errors));
  }
  const map = value as WireMap;
  const [kt, vt] = t.map;
  if (map.keyType !== wireType(kt) || map.valueType !== wireType(vt)) {
    errors.push(
      `${path}: ${typeName(t)} sent as map<${WIRE_NAMES[map.keyType] ?? map.keyType},${WIRE_NAMES[map.valueType] ?? map.valueType}>`,
    );
    return [];
  }
  return map.entries.map(([k, v], i) => {
    const key = check(k, kt, `${path}{key ${i}}`, errors);
    return [key, check(v, vt, `${path}[${typeof key === 'string' ? JSON.stringify(key) : i}]`, errors)];
  });
}

function checkStruct(node: WireStruct, name: string, def: StructDef, path: string, errors: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const id of node.duplicates) errors.push(`${path}: field ${id} of ${name} sent twice`);
  for (const [id, field] of node.fields) {
    const fd = def.fields[id];
    if (!fd) continue; // Unknown fields are skipped, as Java does.
    if (field.type !== wireType(fd.type)) {
      errors.push(`${path}.${fd.name}: field ${id} of ${name} is ${typeName(fd.type)}, sent as wire type ${WIRE_NAMES[field.type] ?? field.type}`);
      continue;
    }
    out[fd.name] = check(field.value, fd.type, `${path}.${fd.name}`, errors);
  }
  for (const fd of Object.values(def.fields)) {
    if (fd.required && !(fd.name in out)) errors.push(`Required field '${fd.name}' is unset! Struct:${name} at ${path}`);
  }
  if (def.union && Object.keys(out).length !== 1) errors.push(`${path}: union ${name} must have exactly one field set, has ${Object.keys(out).length}`);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing replies with the reference protocol, by IDL

function writeTyped(p: Proto, t: T, value: unknown): void {
  if (typeof t === 'string') {
    switch (t) {
      case 'bool':
        return p.writeBool(value as boolean);
      case 'byte':
        return p.writeByte(value as number);
      case 'i16':
        return p.writeI16(value as number);
      case 'i32':
        return p.writeI32(value as number);
      case 'i64':
        return p.writeI64(value as number);
      case 'double':
        return p.writeDouble(value as number);
      case 'string':
        return p.writeString(value as string);
      case 'binary':
        return p.writeBinary(value as Buffer);
    }
  }
  if ('struct' in t) return writeStruct(p, t.struct, value as Record<string, unknown>);
  if ('list' in t || 'set' in t) {
    const element = 'list' in t ? t.list : t.set;
    const items = value as unknown[];
    p.writeListBegin(wireType(element) as thrift.Thrift.Type, items.length);
    for (const item of items) writeTyped(p, element, item);
    return p.writeListEnd();
  }
  const entries = Object.entries(value as Record<string, unknown>);
  p.writeMapBegin(wireType(t.map[0]) as thrift.Thrift.Type, wireType(t.map[1]) as thrift.Thrift.Type, entries.length);
  for (const [k, v] of entries) {
    writeTyped(p, t.map[0], k);
    writeTyped(p, t.map[1], v);
  }
  p.writeMapEnd();
}

function writeStruct(p: Proto, name: string, value: Record<string, unknown>, def: StructDef = IDL[name]!): void {
  p.writeStructBegin(name);
  for (const [id, fd] of Object.entries(def.fields)) {
    const v = value[fd.name];
    if (v === undefined) continue;
    p.writeFieldBegin(fd.name, wireType(fd.type) as thrift.Thrift.Type, Number(id));
    writeTyped(p, fd.type, v);
    p.writeFieldEnd();
  }
  p.writeFieldStop();
  p.writeStructEnd();
}

// ---------------------------------------------------------------------------------------------------------------
// Decoded submissions, as plain objects for assertions

export type DecodedGrouping =
  | { type: 'fields'; fields: string[] }
  | { type: 'global' }
  | { type: 'shuffle' | 'all' | 'none' | 'direct' | 'local_or_shuffle' | 'custom_object' | 'custom_serialized' };

export type DecodedObject =
  | { kind: 'shell'; command: string | undefined; script: string | undefined }
  | { kind: 'java'; className: string; args: Array<{ type: string; value: unknown }> }
  | { kind: 'serialized_java'; bytes: number };

export interface DecodedComponent {
  id: string;
  type: 'spout' | 'bolt';
  object: DecodedObject;
  inputs: Array<{ componentId: string; streamId: string; grouping: DecodedGrouping }>;
  streams: Record<string, { outputFields: string[]; direct: boolean }>;
  parallelismHint: number | undefined;
  /** json_conf parsed (undefined when absent). */
  jsonConf: Record<string, unknown> | undefined;
}

export interface SubmittedTopology {
  method: 'submitTopology' | 'submitTopologyWithOpts';
  name: string;
  uploadedJarLocation: string;
  /** jsonConf as sent. */
  jsonConf: string;
  initialStatus: 'ACTIVE' | 'INACTIVE' | undefined;
  spouts: DecodedComponent[];
  bolts: DecodedComponent[];
  stateSpouts: number;
}

function decodeComponents(entries: unknown, type: 'spout' | 'bolt'): DecodedComponent[] {
  const objectField = type === 'spout' ? 'spout_object' : 'bolt_object';
  return (entries as Array<[string, Record<string, any>]>).map(([id, spec]) => {
    const common = spec['common'] as Record<string, any>;
    const obj = spec[objectField] as Record<string, any>;
    let object: DecodedObject;
    if (obj['shell']) object = { kind: 'shell', command: obj['shell'].execution_command, script: obj['shell'].script };
    else if (obj['java_object'])
      object = {
        kind: 'java',
        className: obj['java_object'].full_class_name,
        args: (obj['java_object'].args_list as Array<Record<string, unknown>>).map((a) => {
          const [key, value] = Object.entries(a)[0]!;
          return { type: key.replace(/_arg$/, ''), value };
        }),
      };
    else object = { kind: 'serialized_java', bytes: (obj['serialized_java'] as Buffer).length };
    const inputs = (common['inputs'] as Array<[Record<string, string>, Record<string, unknown>]>).map(([key, grouping]) => {
      const [gtype, gvalue] = Object.entries(grouping)[0]!;
      let g: DecodedGrouping;
      if (gtype === 'fields') g = (gvalue as string[]).length === 0 ? { type: 'global' } : { type: 'fields', fields: gvalue as string[] };
      else g = { type: gtype as 'shuffle' };
      return { componentId: key['componentId']!, streamId: key['streamId']!, grouping: g };
    });
    const streams: DecodedComponent['streams'] = {};
    for (const [streamId, info] of common['streams'] as Array<[string, Record<string, any>]>) {
      streams[streamId] = { outputFields: info['output_fields'], direct: info['direct'] };
    }
    const jsonConf = common['json_conf'] === undefined ? undefined : (JSON.parse(common['json_conf']) as Record<string, unknown>);
    return { id, type, object, inputs, streams, parallelismHint: common['parallelism_hint'], jsonConf };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Nimbus behaviour

/** Nimbus's exceptions, thrown by handlers and turned into the method's declared result field. */
class Refusal {
  constructor(
    readonly exception: ExceptionName,
    readonly msg: string,
  ) {}
}
/** An undeclared failure: Java sends it as a TApplicationException (message type EXCEPTION). */
class AppFailure {
  constructor(
    readonly message: string,
    readonly type = 6, // INTERNAL_ERROR
  ) {}
}

/** Config keys whose types Nimbus checks, and the check. */
const CONFIG_TYPES: Record<string, 'int' | 'bool' | 'map'> = {
  'topology.workers': 'int',
  'topology.acker.executors': 'int',
  'topology.max.spout.pending': 'int',
  'topology.message.timeout.secs': 'int',
  'topology.subprocess.timeout.secs': 'int',
  'topology.tick.tuple.freq.secs': 'int',
  'topology.max.task.parallelism': 'int',
  'topology.tasks': 'int',
  'topology.debug': 'bool',
  'topology.environment': 'map',
};

function configProblems(conf: Record<string, unknown>, where: string): string[] {
  const problems: string[] = [];
  for (const [key, kind] of Object.entries(CONFIG_TYPES)) {
    const v = conf[key];
    if (v === undefined || v === null) continue;
    const ok =
      kind === 'int' ? Number.isInteger(v) && Math.abs(v as number) <= 0x7fffffff : kind === 'bool' ? typeof v === 'boolean' : typeof v === 'object' && !Array.isArray(v);
    if (!ok) problems.push(`Field ${key} in ${where} must be ${kind === 'int' ? 'an Integer within type range' : kind === 'bool' ? 'a Boolean' : 'a Map'}, got ${JSON.stringify(v)}`);
  }
  return problems;
}

export interface FakeTopology {
  id: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE' | 'KILLED' | 'REBALANCING';
  conf: Record<string, unknown>;
  numTasks: number;
  numExecutors: number;
  numWorkers: number;
  launchedAt: number;
  submitted: SubmittedTopology;
  /** Where its executors run now (getTopologyInfo); a test sets it, as a scheduler would. */
  assignment?: Array<{ componentId: string; host: string; port: number }>;
}

export interface Upload {
  /** The chunks as received. */
  chunks: Buffer[];
  chunkSizes: number[];
  finished: boolean;
  /** Everything received for this location, concatenated. */
  bytes(): Buffer;
}

export interface NimbusServerOptions {
  /** The leader this Nimbus reports; when set and not itself, it refuses uploads and submits like a non-leader. */
  leader?: { host: string; port: number } | undefined;
  /** Accept connections and never answer. */
  silent?: boolean;
  /** The Storm version this Nimbus reports (NimbusSummary.version); default 2.8.8. */
  version?: string;
  conf?: Record<string, unknown>;
}

export class FakeNimbus {
  readonly host = '127.0.0.1';
  port = 0;
  leader: { host: string; port: number } | undefined;
  /** Return a message to refuse `method` with an AuthorizationException. */
  authorize: (method: string, topology: string | undefined) => string | undefined = () => undefined;
  /** Deviations from the IDL or the protocol; a correct client leaves this empty. */
  readonly protocolErrors: string[] = [];
  /** Every call received, with its decoded arguments (chunks shown as their length). */
  readonly calls: Array<{ method: string; args: Record<string, unknown> }> = [];
  readonly submitted: SubmittedTopology[] = [];
  readonly topologies = new Map<string, FakeTopology>();
  readonly uploads = new Map<string, Upload>();
  readonly rebalances: Array<{ name: string; waitSecs?: number; numWorkers?: number; numExecutors?: Record<string, number> }> = [];

  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly startedAt = Date.now();
  private nextId = 1;

  private constructor(private readonly options: NimbusServerOptions) {
    this.leader = options.leader;
  }

  static async start(options: NimbusServerOptions = {}): Promise<FakeNimbus> {
    const nimbus = new FakeNimbus(options);
    const server = createServer((socket) => nimbus.accept(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    nimbus.server = server;
    nimbus.port = (server.address() as { port: number }).port;
    return nimbus;
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    if (this.options.silent) return; // reads nothing, answers nothing
    let pending = Buffer.alloc(0);
    socket.on('data', (data) => {
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (size < 0 || size > 1_048_576) {
          // Java's TFramedTransport refuses the frame and drops the connection.
          this.protocolErrors.push(`frame of ${size} bytes is over nimbus.thrift.max_buffer_size`);
          socket.destroy();
          return;
        }
        if (pending.length < 4 + size) return;
        const frame = pending.subarray(4, 4 + size);
        pending = pending.subarray(4 + size);
        this.handleFrame(socket, Buffer.from(frame));
      }
    });
  }

  private handleFrame(socket: Socket, frame: Buffer): void {
    const input = new thrift.TFramedTransport(frame);
    const p = new thrift.TBinaryProtocol(input, true /* strict read: the version header must be there */);
    let header: thrift.TMessage;
    try {
      header = p.readMessageBegin();
    } catch (err) {
      this.protocolErrors.push(`bad message header: ${(err as Error).message}`);
      socket.destroy();
      return;
    }
    const reply = (write: (out: Proto) => void, type: number) => {
      const out = new thrift.TFramedTransport(undefined, (msg) => {
        if (msg) socket.write(msg);
      });
      const op = new thrift.TBinaryProtocol(out);
      op.writeMessageBegin(header.fname, type as thrift.Thrift.MessageType, header.rseqid);
      write(op);
      op.writeMessageEnd();
      op.flush();
    };
    const appException = (message: string, type: number) =>
      reply((op) => {
        op.writeStructBegin('TApplicationException');
        op.writeFieldBegin('message', W.STRING as thrift.Thrift.Type, 1);
        op.writeString(message);
        op.writeFieldEnd();
        op.writeFieldBegin('type', W.I32 as thrift.Thrift.Type, 2);
        op.writeI32(type);
        op.writeFieldEnd();
        op.writeFieldStop();
        op.writeStructEnd();
      }, 3);

    const def = METHODS[header.fname];
    if (header.mtype !== 1) {
      this.protocolErrors.push(`message type ${header.mtype} for ${header.fname}, expected CALL (1)`);
      return appException(`Invalid message type ${header.mtype}`, 2);
    }
    if (!def) return appException(`Invalid method name: '${header.fname}'`, 1);

    // Read by wire type, then check against the IDL: a wrong id or type shows up here, not as a lucky mis-read.
    const errors: string[] = [];
    let args: Record<string, unknown> = {};
    try {
      const tree = readWire(p, W.STRUCT) as WireStruct;
      const rest = frame.length - (input as unknown as { readPos: number }).readPos;
      if (rest !== 0) errors.push(`${rest} bytes left over after the ${header.fname} arguments`);
      args = checkStruct(tree, `${header.fname}_args`, { fields: def.args }, header.fname, errors);
    } catch (err) {
      errors.push(`cannot read the ${header.fname} arguments: ${(err as Error).message}`);
    }
    if (errors.length) {
      this.protocolErrors.push(...errors);
      return appException(errors.join('; '), 7); // PROTOCOL_ERROR, as Java answers an unreadable call
    }
    this.calls.push({ method: header.fname, args: header.fname === 'uploadChunk' ? { ...args, chunk: (args['chunk'] as Buffer).length } : args });

    let result: unknown;
    try {
      result = this.dispatch(header.fname, args);
    } catch (err) {
      if (err instanceof AppFailure) return appException(err.message, err.type);
      if (err instanceof Refusal) {
        const fieldId = def.throws[err.exception];
        if (fieldId === undefined) return appException(`${err.exception}: ${err.msg}`, 6);
        return reply((op) => {
          op.writeStructBegin(`${header.fname}_result`);
          op.writeFieldBegin(err.exception, W.STRUCT as thrift.Thrift.Type, fieldId);
          writeStruct(op, err.exception, { msg: err.msg });
          op.writeFieldEnd();
          op.writeFieldStop();
          op.writeStructEnd();
        }, 2);
      }
      return appException(`Internal error processing ${header.fname}: ${(err as Error).message}`, 6);
    }
    reply((op) => {
      op.writeStructBegin(`${header.fname}_result`);
      if (def.success) {
        op.writeFieldBegin('success', wireType(def.success) as thrift.Thrift.Type, 0);
        writeTyped(op, def.success, result);
        op.writeFieldEnd();
      }
      op.writeFieldStop();
      op.writeStructEnd();
    }, 2);
  }

  private dispatch(method: string, args: Record<string, any>): unknown {
    const name = args['name'] as string | undefined;
    if (['beginFileUpload', 'uploadChunk', 'finishFileUpload', 'submitTopology', 'submitTopologyWithOpts'].includes(method)) this.assertLeader();
    const refusal = this.authorize(method, name);
    if (refusal !== undefined) throw new Refusal('AuthorizationException', refusal);

    switch (method) {
      case 'getLeader': {
        const leader = this.leader ?? { host: this.host, port: this.port };
        return { host: leader.host, port: leader.port, uptime_secs: this.uptime(), isLeader: true, version: this.version() };
      }
      case 'getClusterInfo':
        return this.clusterSummary();
      case 'getTopologyInfo': {
        const topology = [...this.topologies.values()].find((t) => t.id === args['id']);
        if (!topology) throw new Refusal('NotAliveException', `${args['id']} is not alive`);
        return {
          id: topology.id,
          name: topology.name,
          uptime_secs: Math.floor((Date.now() - topology.launchedAt) / 1000),
          executors: (topology.assignment ?? []).map((e, i) => ({
            executor_info: { task_start: i + 1, task_end: i + 1 },
            component_id: e.componentId,
            host: e.host,
            port: e.port,
            uptime_secs: 0,
          })),
          status: topology.status,
          errors: {},
          storm_version: this.version(),
        };
      }
      case 'getNimbusConf':
        return JSON.stringify({ 'nimbus.thrift.max_buffer_size': 1_048_576, 'storm.zookeeper.servers': ['localhost'], ...this.options.conf });
      case 'isTopologyNameAllowed':
        return validName(name!) && !this.topologies.has(name!);
      case 'beginFileUpload': {
        const location = `/storm/nimbus/inbox/stormjar-${randomUUID()}.jar`;
        const chunks: Buffer[] = [];
        this.uploads.set(location, { chunks, chunkSizes: [], finished: false, bytes: () => Buffer.concat(chunks) });
        return location;
      }
      case 'uploadChunk': {
        const upload = this.upload(args['location']);
        if (upload.finished) throw new AppFailure(`upload ${args['location']} is already finished`);
        upload.chunks.push(args['chunk'] as Buffer);
        upload.chunkSizes.push((args['chunk'] as Buffer).length);
        return undefined;
      }
      case 'finishFileUpload':
        this.upload(args['location']).finished = true;
        return undefined;
      case 'submitTopology':
      case 'submitTopologyWithOpts':
        return this.submit(method, args);
      case 'killTopology':
      case 'killTopologyWithOpts': {
        const topology = this.alive(name!);
        const waitSecs = (args['options']?.wait_secs as number | undefined) ?? (topology.conf['topology.message.timeout.secs'] as number | undefined) ?? 30;
        topology.status = 'KILLED';
        this.after(waitSecs, () => this.topologies.delete(name!));
        return undefined;
      }
      case 'activate':
        this.alive(name!).status = 'ACTIVE';
        return undefined;
      case 'deactivate':
        this.alive(name!).status = 'INACTIVE';
        return undefined;
      case 'rebalance':
        return this.rebalance(name!, args['options'] as Record<string, any>);
    }
    throw new AppFailure(`${method} is not implemented by the fake Nimbus`, 1);
  }

  private assertLeader(): void {
    const leader = this.leader;
    if (leader && (leader.host !== this.host || leader.port !== this.port)) {
      // What Nimbus.assertIsLeader throws; Thrift carries it as a TApplicationException.
      throw new AppFailure(`not a leader, current leader is NimbusInfo{host='${leader.host}', port=${leader.port}, isLeader=true}`);
    }
  }

  private upload(location: string): Upload {
    const upload = this.uploads.get(location);
    if (!upload) throw new AppFailure(`File for that location does not exist (or timed out) ${location}`);
    return upload;
  }

  private alive(name: string): FakeTopology {
    const topology = this.topologies.get(name);
    if (!topology) throw new Refusal('NotAliveException', `${name} is not alive`);
    return topology;
  }

  private submit(method: 'submitTopology' | 'submitTopologyWithOpts', args: Record<string, any>): undefined {
    const topology = args['topology'] as Record<string, unknown>;
    const initial = args['options']?.initial_status as number | undefined;
    if (initial !== undefined && initial !== 1 && initial !== 2) throw new AppFailure(`unknown TopologyInitialStatus ${initial}`);
    const submitted: SubmittedTopology = {
      method,
      name: args['name'],
      uploadedJarLocation: args['uploadedJarLocation'],
      jsonConf: args['jsonConf'],
      initialStatus: initial === undefined ? undefined : initial === 1 ? 'ACTIVE' : 'INACTIVE',
      spouts: decodeComponents(topology['spouts'], 'spout'),
      bolts: decodeComponents(topology['bolts'], 'bolt'),
      stateSpouts: (topology['state_spouts'] as unknown[]).length,
    };
    this.submitted.push(submitted);
    const { name } = submitted;

    if (!validName(name)) throw new Refusal('InvalidTopologyException', `Topology name must be valid: ${name}`);
    if (this.topologies.has(name)) throw new Refusal('AlreadyAliveException', `Topology with name \`${name}\` already exists on cluster`);
    const upload = this.uploads.get(submitted.uploadedJarLocation);
    if (!upload?.finished) throw new AppFailure(`uploaded jar ${submitted.uploadedJarLocation} does not exist or was not finished`);

    let conf: Record<string, unknown>;
    try {
      conf = JSON.parse(submitted.jsonConf) as Record<string, unknown>;
    } catch {
      throw new Refusal('InvalidTopologyException', 'jsonConf is not valid JSON');
    }
    const problems = [...configProblems(conf, 'the topology config'), ...this.structureProblems(submitted)];
    if (problems.length) throw new Refusal('InvalidTopologyException', problems.join('; '));

    const all = [...submitted.spouts, ...submitted.bolts];
    this.topologies.set(name, {
      id: `${name}-${this.nextId++}-${Math.floor(Date.now() / 1000)}`,
      name,
      status: submitted.initialStatus === 'INACTIVE' ? 'INACTIVE' : 'ACTIVE',
      conf,
      numExecutors: all.reduce((n, c) => n + (c.parallelismHint ?? 1), 0),
      numTasks: all.reduce((n, c) => n + ((c.jsonConf?.['topology.tasks'] as number | undefined) ?? c.parallelismHint ?? 1), 0),
      numWorkers: (conf['topology.workers'] as number | undefined) ?? 1,
      launchedAt: Date.now(),
      submitted,
    });
    return undefined;
  }

  /** What Nimbus's topology validation refuses (StormCommon.validateBasic / validateStructure). */
  private structureProblems(t: SubmittedTopology): string[] {
    const problems: string[] = [];
    const all = [...t.spouts, ...t.bolts];
    const byId = new Map<string, DecodedComponent>();
    for (const c of all) {
      if (byId.has(c.id)) problems.push(`Duplicate component ids: ${c.id}`);
      byId.set(c.id, c);
      if (c.id.startsWith('__')) problems.push(`${c.id} is not a valid component id.`);
      for (const stream of Object.keys(c.streams)) if (stream.startsWith('__')) problems.push(`${stream} is not a valid stream id.`);
      if (c.jsonConf) problems.push(...configProblems(c.jsonConf, `the json_conf of ${c.id}`));
      if (c.parallelismHint !== undefined && c.parallelismHint < 1) problems.push(`${c.id}: parallelism hint must be positive`);
    }
    for (const spout of t.spouts) if (spout.inputs.length) problems.push(`May not declare inputs for a spout (${spout.id})`);
    for (const bolt of t.bolts) {
      for (const input of bolt.inputs) {
        const source = byId.get(input.componentId);
        if (!source) {
          problems.push(`Component: [${bolt.id}] subscribes from non-existent component [${input.componentId}]`);
          continue;
        }
        const stream = source.streams[input.streamId];
        if (!stream) {
          problems.push(`Component: [${bolt.id}] subscribes from non-existent stream: [${input.streamId}] of component [${input.componentId}]`);
          continue;
        }
        if (input.grouping.type === 'fields') {
          const missing = input.grouping.fields.filter((f) => !stream.outputFields.includes(f));
          if (missing.length) {
            problems.push(
              `Component: [${bolt.id}] subscribes from stream: [${input.streamId}] of component [${input.componentId}] with non-existent fields: [${missing.join(', ')}]`,
            );
          }
        }
      }
    }
    return problems;
  }

  private rebalance(name: string, options: Record<string, any>): undefined {
    const topology = this.alive(name);
    const numExecutors = options['num_executors'] === undefined ? undefined : Object.fromEntries(options['num_executors'] as Array<[string, number]>);
    if (options['num_workers'] !== undefined && options['num_workers'] <= 0) throw new Refusal('InvalidTopologyException', 'Number of workers must be positive');
    for (const [component, n] of Object.entries(numExecutors ?? {})) {
      if (n <= 0) throw new Refusal('InvalidTopologyException', `Number of executors must be positive (${component})`);
    }
    this.rebalances.push({
      name,
      ...(options['wait_secs'] !== undefined ? { waitSecs: options['wait_secs'] } : {}),
      ...(options['num_workers'] !== undefined ? { numWorkers: options['num_workers'] } : {}),
      ...(numExecutors ? { numExecutors } : {}),
    });
    const previous = topology.status;
    topology.status = 'REBALANCING';
    const waitSecs = (options['wait_secs'] as number | undefined) ?? (topology.conf['topology.message.timeout.secs'] as number | undefined) ?? 30;
    this.after(waitSecs, () => {
      if (options['num_workers'] !== undefined) topology.numWorkers = options['num_workers'];
      if (topology.status === 'REBALANCING') topology.status = previous;
    });
    return undefined;
  }

  private clusterSummary(): Record<string, unknown> {
    const self = { host: this.host, port: this.port, uptime_secs: this.uptime(), isLeader: !this.leader || this.leader.port === this.port, version: this.version() };
    const nimbuses = [self];
    if (this.leader && this.leader.port !== this.port) {
      nimbuses.push({ host: this.leader.host, port: this.leader.port, uptime_secs: 0, isLeader: true, version: this.version() });
    }
    return {
      supervisors: [
        {
          host: 'supervisor-1.example',
          uptime_secs: 100,
          num_workers: 4,
          num_used_workers: this.topologies.size,
          supervisor_id: 'sup-1',
          version: this.version(),
          total_resources: { 'supervisor.memory.capacity.mb': 4096 },
        },
      ],
      topologies: [...this.topologies.values()].map((t) => ({
        id: t.id,
        name: t.name,
        num_tasks: t.numTasks,
        num_executors: t.numExecutors,
        num_workers: t.numWorkers,
        uptime_secs: Math.floor((Date.now() - t.launchedAt) / 1000),
        status: t.status,
        storm_version: this.version(),
        sched_status: 'Fully Scheduled',
        owner: 'storm',
        requested_memonheap: 128.5,
      })),
      nimbuses,
    };
  }

  /** Runs `fn` after `secs` (at once for 0), like Nimbus's delayed transitions. */
  private after(secs: number, fn: () => void): void {
    if (secs <= 0) return fn();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, secs * 1000);
    timer.unref();
    this.timers.add(timer);
  }

  private uptime(): number {
    return Math.floor((Date.now() - this.startedAt) / 1000);
  }

  private version(): string {
    return this.options.version ?? '2.8.8';
  }
}

/** Storm's topology name rule: non-empty, none of / . : \ */
function validName(name: string): boolean {
  return name.length > 0 && !/[/.:\\]/.test(name);
}
