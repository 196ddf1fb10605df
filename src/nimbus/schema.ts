/**
 * The part of Storm's Thrift IDL (storm-client/src/storm.thrift) that squall speaks, as one table that drives both
 * encoding and decoding: every field's id and type is written here once.
 *
 * A struct's property names are squall's camelCase of the IDL's names; where squall's name differs, the IDL's is in
 * a comment. Unions are structs of which exactly one field is set. A `map` value is a list of [key, value] entries,
 * because Storm keys the inputs map by a struct (GlobalStreamId).
 *
 * Decoding is lenient the way Java's generated code is: a field with an unknown id or an unexpected wire type is
 * skipped (newer Nimbus versions add fields), and a field that is absent reads as its type's empty value.
 */
import { TType } from './thrift.js';
import type { ThriftReader, ThriftWriter, TTypeId } from './thrift.js';

/**
 * A Thrift type: its wire type, how to write a value (W) and read one (R), and the value an absent field reads as.
 * W and R differ where writing is looser than reading (an i64 is written from a number, read as a bigint; a struct's
 * optional fields may be left out when writing).
 */
export interface ThriftType<W, R = W> {
  readonly wire: TTypeId;
  /** The type as storm.thrift spells it (`list<string>`, `GlobalStreamId`): what test/nimbus-idl.test.ts checks. */
  readonly idl: string;
  write(w: ThriftWriter, value: W): void;
  read(r: ThriftReader): R;
  empty(): R;
}

export const string: ThriftType<string> = { wire: TType.STRING, idl: 'string', write: (w, v) => w.string(v), read: (r) => r.string(), empty: () => '' };
export const binary: ThriftType<Uint8Array, Buffer> = {
  wire: TType.STRING,
  idl: 'binary',
  write: (w, v) => w.binary(v),
  read: (r) => r.binary(),
  empty: () => Buffer.alloc(0),
};
export const bool: ThriftType<boolean> = { wire: TType.BOOL, idl: 'bool', write: (w, v) => w.bool(v), read: (r) => r.bool(), empty: () => false };
export const i32: ThriftType<number> = { wire: TType.I32, idl: 'i32', write: (w, v) => w.i32(v), read: (r) => r.i32(), empty: () => 0 };
/** Written from a number (exact integers only) or a bigint; read as a bigint. */
export const i64: ThriftType<number | bigint, bigint> = { wire: TType.I64, idl: 'i64', write: (w, v) => w.i64(v), read: (r) => r.i64(), empty: () => 0n };
export const double: ThriftType<number> = { wire: TType.DOUBLE, idl: 'double', write: (w, v) => w.double(v), read: (r) => r.double(), empty: () => 0 };

export function list<W, R>(element: ThriftType<W, R>): ThriftType<readonly W[], R[]> {
  return {
    wire: TType.LIST,
    idl: `list<${element.idl}>`,
    write(w, values) {
      w.listBegin(element.wire, values.length);
      for (const value of values) element.write(w, value);
    },
    read(r) {
      const { elementType, size } = r.listBegin();
      const out: R[] = [];
      for (let i = 0; i < size; i++) {
        if (elementType === element.wire) out.push(element.read(r));
        else r.skip(elementType);
      }
      return out;
    },
    empty: () => [],
  };
}

/** A map as [key, value] entries (Storm keys some maps by a struct). */
export type Entries<K, V> = ReadonlyArray<readonly [K, V]>;

export function map<KW, KR, VW, VR>(key: ThriftType<KW, KR>, value: ThriftType<VW, VR>): ThriftType<Entries<KW, VW>, Array<[KR, VR]>> {
  return {
    wire: TType.MAP,
    idl: `map<${key.idl}, ${value.idl}>`,
    write(w, entries) {
      w.mapBegin(key.wire, value.wire, entries.length);
      for (const [k, v] of entries) {
        key.write(w, k);
        value.write(w, v);
      }
    },
    read(r) {
      const { keyType, valueType, size } = r.mapBegin();
      const out: Array<[KR, VR]> = [];
      for (let i = 0; i < size; i++) {
        if (keyType === key.wire && valueType === value.wire) out.push([key.read(r), value.read(r)]);
        else {
          r.skip(keyType);
          r.skip(valueType);
        }
      }
      return out;
    },
    empty: () => [],
  };
}

export interface Field<W, R, Req extends boolean> {
  readonly id: number;
  readonly type: ThriftType<W, R>;
  /** Java's generated reader refuses a message without it. */
  readonly required: Req;
}

export const required = <W, R>(id: number, type: ThriftType<W, R>): Field<W, R, true> => ({ id, type, required: true });
export const optional = <W, R>(id: number, type: ThriftType<W, R>): Field<W, R, false> => ({ id, type, required: false });

export type Fields = Record<string, Field<any, any, boolean>>;
/** A struct as read: every field, absent ones as their type's empty value. */
export type StructValue<F extends Fields> = { [K in keyof F]: F[K] extends Field<infer _W, infer R, boolean> ? R : never };
/** A struct as written: required fields must be set, optional ones may be left out. */
export type StructInput<F extends Fields> = {
  [K in keyof F as F[K] extends Field<unknown, unknown, true> ? K : never]: F[K] extends Field<infer W, infer _R, boolean> ? W : never;
} & {
  [K in keyof F as F[K] extends Field<unknown, unknown, true> ? never : K]?: F[K] extends Field<infer W, infer _R, boolean> ? W : never;
};

export interface StructType<F extends Fields> extends ThriftType<StructInput<F>, StructValue<F>> {
  readonly name: string;
  readonly fields: F;
}

/**
 * A Thrift struct (or union: set exactly one field) named as in storm.thrift. Writing puts the fields that are set,
 * then STOP; a missing required field is an error naming it, since Java would refuse the whole message.
 */
export function struct<const F extends Fields>(name: string, fields: F): StructType<F> {
  const entries = Object.entries(fields) as Array<[string, Field<unknown, unknown, boolean>]>;
  const byId = new Map(entries.map(([key, field]) => [field.id, { key, field }]));
  const empty = (): StructValue<F> => Object.fromEntries(entries.map(([key, field]) => [key, field.type.empty()])) as StructValue<F>;
  return {
    name,
    fields,
    wire: TType.STRUCT,
    idl: name,
    write(w, value) {
      for (const [key, field] of entries) {
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined) {
          if (field.required) throw new Error(`${name}.${key} (field ${field.id}) is required by storm.thrift but was not set`);
          continue;
        }
        w.fieldBegin(field.type.wire, field.id);
        field.type.write(w, v);
      }
      w.fieldStop();
    },
    read(r) {
      const out = empty() as Record<string, unknown>;
      r.readStruct((id, wire) => {
        const known = byId.get(id);
        if (!known || known.field.type.wire !== wire) return false;
        out[known.key] = known.field.type.read(r);
        return true;
      });
      return out as StructValue<F>;
    },
    empty,
  };
}

// ---- storm.thrift: the topology ----

export const NullStruct = struct('NullStruct', {});
export const GlobalStreamId = struct('GlobalStreamId', { componentId: required(1, string), streamId: required(2, string) });

export const JavaObjectArg = struct('JavaObjectArg', {
  intArg: optional(1, i32),
  longArg: optional(2, i64),
  stringArg: optional(3, string),
  boolArg: optional(4, bool),
  binaryArg: optional(5, binary),
  doubleArg: optional(6, double),
});
export const JavaObject = struct('JavaObject', { fullClassName: required(1, string), argsList: required(2, list(JavaObjectArg)) });

/** Union. Global is an empty `fields` list (storm.thrift says so). */
export const Grouping = struct('Grouping', {
  fields: optional(1, list(string)),
  shuffle: optional(2, NullStruct),
  all: optional(3, NullStruct),
  none: optional(4, NullStruct),
  direct: optional(5, NullStruct),
  customObject: optional(6, JavaObject),
  customSerialized: optional(7, binary),
  localOrShuffle: optional(8, NullStruct),
});

export const StreamInfo = struct('StreamInfo', { outputFields: required(1, list(string)), direct: required(2, bool) });
export const ShellComponent = struct('ShellComponent', { executionCommand: optional(1, string), script: optional(2, string) });

/** Union. */
export const ComponentObject = struct('ComponentObject', {
  serializedJava: optional(1, binary),
  shell: optional(2, ShellComponent),
  javaObject: optional(3, JavaObject),
});

export const ComponentCommon = struct('ComponentCommon', {
  inputs: required(1, map(GlobalStreamId, Grouping)),
  streams: required(2, map(string, StreamInfo)),
  parallelismHint: optional(3, i32),
  jsonConf: optional(4, string),
});

export const SpoutSpec = struct('SpoutSpec', { spoutObject: required(1, ComponentObject), common: required(2, ComponentCommon) });
export const Bolt = struct('Bolt', { boltObject: required(1, ComponentObject), common: required(2, ComponentCommon) });
export const StateSpoutSpec = struct('StateSpoutSpec', { stateSpoutObject: required(1, ComponentObject), common: required(2, ComponentCommon) });

export const StormTopology = struct('StormTopology', {
  spouts: required(1, map(string, SpoutSpec)),
  bolts: required(2, map(string, Bolt)),
  /** Required although Storm never implemented state spouts: sent empty. */
  stateSpouts: required(3, map(string, StateSpoutSpec)),
});

// ---- storm.thrift: call options ----

/** initialStatus (initial_status): TopologyInitialStatus ACTIVE = 1, INACTIVE = 2. */
export const SubmitOptions = struct('SubmitOptions', { initialStatus: required(1, i32) });
export const KillOptions = struct('KillOptions', { waitSecs: optional(1, i32) });
/** Every field optional: absent means "leave as is". */
export const RebalanceOptions = struct('RebalanceOptions', {
  waitSecs: optional(1, i32),
  numWorkers: optional(2, i32),
  numExecutors: optional(3, map(string, i32)),
});

// ---- storm.thrift: what Nimbus reports ----

export const NimbusSummary = struct('NimbusSummary', {
  host: required(1, string),
  port: required(2, i32),
  uptimeSecs: required(3, i32),
  isLeader: required(4, bool),
  version: required(5, string),
});

export const TopologySummary = struct('TopologySummary', {
  id: required(1, string),
  name: required(2, string),
  numTasks: required(3, i32),
  numExecutors: required(4, i32),
  numWorkers: required(5, i32),
  uptimeSecs: required(6, i32),
  status: required(7, string),
});

export const SupervisorSummary = struct('SupervisorSummary', {
  host: required(1, string),
  uptimeSecs: required(2, i32),
  numWorkers: required(3, i32),
  numUsedWorkers: required(4, i32),
  /** supervisor_id */
  id: required(5, string),
});

/** ClusterSummary; field 2, nimbus_uptime_secs, is deprecated and skipped. */
export const ClusterSummary = struct('ClusterSummary', {
  supervisors: required(1, list(SupervisorSummary)),
  topologies: required(3, list(TopologySummary)),
  nimbuses: required(4, list(NimbusSummary)),
});

/** ExecutorSummary: 1 executor_info is not read. */
export const ExecutorSummary = struct('ExecutorSummary', { componentId: required(2, string), host: required(3, string), port: required(4, i32) });

export const TopologyInfo = struct('TopologyInfo', {
  id: required(1, string),
  name: required(2, string),
  uptimeSecs: required(3, i32),
  executors: required(4, list(ExecutorSummary)),
  status: required(5, string),
});

// ---- errors ----

/** TApplicationException (lib/java TApplicationException.java): an undeclared failure. */
export const ApplicationException = struct('TApplicationException', { message: optional(1, string), type: optional(2, i32) });
/** AlreadyAliveException, InvalidTopologyException, NotAliveException, AuthorizationException: all `1: required string msg`. */
export const NimbusException = struct('NimbusException', { msg: required(1, string) });

export type DeclaredException = 'AlreadyAlive' | 'InvalidTopology' | 'NotAlive' | 'Authorization';

// ---- storm.thrift: service Nimbus ----

export interface Method<A extends Fields, R> {
  readonly name: string;
  readonly args: StructType<A>;
  /** The return value (result field 0); undefined for void. */
  readonly returns: ThriftType<never, R> | undefined;
  /** The declared exceptions by result field id. */
  readonly throws: Readonly<Partial<Record<number, DeclaredException>>>;
}

function method<const A extends Fields, R = void>(
  name: string,
  args: A,
  returns: ThriftType<never, R> | undefined,
  throws: Partial<Record<number, DeclaredException>>,
): Method<A, R> {
  return { name, args: struct(`${name}_args`, args), returns, throws };
}

const AUTH_ONLY = { 1: 'Authorization' } as const;
const LIFECYCLE = { 1: 'NotAlive', 2: 'Authorization' } as const;

export const Nimbus = {
  submitTopologyWithOpts: method(
    'submitTopologyWithOpts',
    {
      name: required(1, string),
      uploadedJarLocation: required(2, string),
      jsonConf: required(3, string),
      topology: required(4, StormTopology),
      options: required(5, SubmitOptions),
    },
    undefined,
    { 1: 'AlreadyAlive', 2: 'InvalidTopology', 3: 'Authorization' },
  ),
  killTopology: method('killTopology', { name: required(1, string) }, undefined, LIFECYCLE),
  killTopologyWithOpts: method('killTopologyWithOpts', { name: required(1, string), options: required(2, KillOptions) }, undefined, LIFECYCLE),
  activate: method('activate', { name: required(1, string) }, undefined, LIFECYCLE),
  deactivate: method('deactivate', { name: required(1, string) }, undefined, LIFECYCLE),
  rebalance: method('rebalance', { name: required(1, string), options: required(2, RebalanceOptions) }, undefined, {
    1: 'NotAlive',
    2: 'InvalidTopology',
    3: 'Authorization',
  }),
  beginFileUpload: method('beginFileUpload', {}, string, AUTH_ONLY),
  uploadChunk: method('uploadChunk', { location: required(1, string), chunk: required(2, binary) }, undefined, AUTH_ONLY),
  finishFileUpload: method('finishFileUpload', { location: required(1, string) }, undefined, AUTH_ONLY),
  getNimbusConf: method('getNimbusConf', {}, string, AUTH_ONLY),
  getClusterInfo: method('getClusterInfo', {}, ClusterSummary, AUTH_ONLY),
  getLeader: method('getLeader', {}, NimbusSummary, AUTH_ONLY),
  isTopologyNameAllowed: method('isTopologyNameAllowed', { name: required(1, string) }, bool, AUTH_ONLY),
  getTopologyInfo: method('getTopologyInfo', { id: required(1, string) }, TopologyInfo, LIFECYCLE),
} as const;
