/**
 * A Nimbus client: the handful of Nimbus service calls squall needs (storm.thrift `service Nimbus`), with every
 * failure turned into a NimbusError that says what to do next.
 */
import { open } from 'node:fs/promises';
import type { TopologySpec } from '../topology/spec.js';
import { encodeStormTopology } from './storm-topology.js';
import type { StormTopologyOptions } from './storm-topology.js';
import { FramedConnection, MessageType, ThriftProtocolError, ThriftReader, ThriftWriter, TransportError, TType } from './thrift.js';
import type { ConnectionOptions, TransportFailure } from './thrift.js';

/** The chunk size Storm's own submitter uses for uploadChunk. */
export const UPLOAD_CHUNK_BYTES = 307_200;

export type NimbusErrorKind =
  | 'AlreadyAlive'
  | 'InvalidTopology'
  | 'NotAlive'
  | 'Authorization'
  | 'NotLeader'
  | 'Timeout'
  | 'Unreachable'
  | 'Application';

export class NimbusError extends Error {
  override name = 'NimbusError';
  constructor(
    readonly kind: NimbusErrorKind,
    message: string,
    /** host:port of the Nimbus concerned ("" when several were tried). */
    readonly address: string,
    /** What Nimbus itself said, when it said something. */
    readonly nimbusMessage?: string,
  ) {
    super(message);
  }
}

export interface NimbusAddress {
  host: string;
  port: number;
}

export interface NimbusClientOptions {
  /** Default 10 s. */
  connectTimeoutMs?: number;
  /** Per call; default 60 s (a submit makes Nimbus write the topology to its store before answering). */
  callTimeoutMs?: number;
  /** Default 1 MiB, Storm's default nimbus.thrift.max_buffer_size. */
  maxFrameBytes?: number;
  /** How output and errors name this Nimbus (default host:port; through an SSH tunnel, the Nimbus behind it). */
  label?: string;
}

export interface LeaderOptions extends NimbusClientOptions {
  /**
   * Where to connect for a Nimbus at `address` (default: the address itself). An SSH tunnel answers with its local
   * end, so the leader reported by getLeader() is reached through a tunnel too.
   */
  dial?: (address: NimbusAddress, reportedBy?: NimbusAddress) => Promise<NimbusAddress & { label?: string }>;
}

export interface NimbusLeader {
  host: string;
  port: number;
  isLeader: boolean;
  version: string;
}

export interface TopologySummary {
  id: string;
  name: string;
  status: string;
  uptimeSecs: number;
  numTasks: number;
  numExecutors: number;
  numWorkers: number;
}

export interface NimbusSummary extends NimbusLeader {
  uptimeSecs: number;
}

export interface SupervisorSummary {
  host: string;
  id: string;
  uptimeSecs: number;
  numWorkers: number;
  numUsedWorkers: number;
}

/** Where one executor runs now (storm.thrift ExecutorSummary: 2 component_id, 3 host, 4 port). */
export interface ExecutorPlacement {
  componentId: string;
  host: string;
  port: number;
}

/** What squall reads of storm.thrift TopologyInfo: 1 id, 2 name, 3 uptime_secs, 4 executors, 5 status. */
export interface TopologyInfo {
  id: string;
  name: string;
  uptimeSecs: number;
  status: string;
  executors: ExecutorPlacement[];
}

export interface ClusterInfo {
  topologies: TopologySummary[];
  nimbuses: NimbusSummary[];
  supervisors: SupervisorSummary[];
}

export interface RebalanceRequest {
  /** Seconds the topology stays deactivated before its executors move (Nimbus default: the message timeout). */
  waitSecs?: number;
  numWorkers?: number;
  /** Component id → executors (at most its task count). */
  numExecutors?: Record<string, number>;
}

/** Which declared exception (by result field id) a method throws; field 0 is the return value. */
type Throws = Partial<Record<number, 'AlreadyAlive' | 'InvalidTopology' | 'NotAlive' | 'Authorization'>>;
const AUTH_ONLY: Throws = { 1: 'Authorization' };
const SUBMIT_THROWS: Throws = { 1: 'AlreadyAlive', 2: 'InvalidTopology', 3: 'Authorization' };
const LIFECYCLE_THROWS: Throws = { 1: 'NotAlive', 2: 'Authorization' };
const REBALANCE_THROWS: Throws = { 1: 'NotAlive', 2: 'InvalidTopology', 3: 'Authorization' };

/** Reads the success value (result field 0) given its wire type. */
type ReadSuccess<T> = { type: number; read: (r: ThriftReader) => T };

/** What a call concerns, for error messages. */
interface CallContext {
  topology?: string;
}

export class NimbusClient {
  private seqid = 0;

  private constructor(
    private readonly connection: FramedConnection,
    readonly host: string,
    readonly port: number,
    private readonly label?: string,
  ) {}

  static async connect(host: string, port: number, options: NimbusClientOptions = {}): Promise<NimbusClient> {
    try {
      const connection = await FramedConnection.open(host, port, connectionOptions(options));
      return new NimbusClient(connection, host, port, options.label);
    } catch (err) {
      throw toNimbusError(err, options.label ?? `${host}:${port}`);
    }
  }

  get address(): string {
    return this.label ?? `${this.host}:${this.port}`;
  }

  close(): void {
    this.connection.close();
  }

  async getLeader(): Promise<NimbusLeader> {
    const summary = await this.call('getLeader', () => {}, struct(readNimbusSummary), AUTH_ONLY);
    const { uptimeSecs: _uptime, ...leader } = summary;
    return leader;
  }

  getClusterInfo(): Promise<ClusterInfo> {
    return this.call('getClusterInfo', () => {}, struct(readClusterSummary), AUTH_ONLY);
  }

  /** A running topology's current assignment, by topology id. */
  getTopologyInfo(id: string, name = id): Promise<TopologyInfo> {
    return this.call('getTopologyInfo', (w) => w.stringField(1, id), struct(readTopologyInfo), LIFECYCLE_THROWS, { topology: name });
  }

  async getNimbusConf(): Promise<Record<string, unknown>> {
    const json = await this.call('getNimbusConf', () => {}, STRING, AUTH_ONLY);
    try {
      return JSON.parse(json) as Record<string, unknown>;
    } catch {
      throw new NimbusError('Application', `Nimbus at ${this.address} returned a configuration that is not JSON`, this.address);
    }
  }

  isTopologyNameAllowed(name: string): Promise<boolean> {
    return this.call('isTopologyNameAllowed', (w) => w.stringField(1, name), BOOL, AUTH_ONLY);
  }

  /**
   * Uploads a JAR as Storm's submitter does: beginFileUpload, uploadChunk in 307,200-byte pieces, finishFileUpload.
   * Reads the file piece by piece, so a large JAR is never held in memory. Returns the location for submitTopology.
   */
  async uploadJar(path: string, onProgress?: (sentBytes: number, totalBytes: number) => void): Promise<string> {
    const file = await open(path, 'r');
    try {
      const totalBytes = (await file.stat()).size;
      const location = await this.call('beginFileUpload', () => {}, STRING, AUTH_ONLY);
      const chunk = Buffer.allocUnsafe(UPLOAD_CHUNK_BYTES);
      let sentBytes = 0;
      while (sentBytes < totalBytes) {
        const { bytesRead } = await file.read(chunk, 0, Math.min(UPLOAD_CHUNK_BYTES, totalBytes - sentBytes), sentBytes);
        if (bytesRead === 0) throw new Error(`${path} became shorter while it was being uploaded`);
        await this.call('uploadChunk', (w) => w.stringField(1, location).binaryField(2, chunk.subarray(0, bytesRead)), undefined, AUTH_ONLY);
        sentBytes += bytesRead;
        onProgress?.(sentBytes, totalBytes);
      }
      await this.call('finishFileUpload', (w) => w.stringField(1, location), undefined, AUTH_ONLY);
      return location;
    } finally {
      await file.close();
    }
  }

  /**
   * submitTopologyWithOpts. `jsonConf` is the topology configuration as JSON (topology.* keys); Nimbus adds the
   * name and id itself. Checks first what Storm's submitter checks, so those mistakes never reach the cluster.
   */
  async submitTopology(
    name: string,
    uploadedJarLocation: string,
    jsonConf: string,
    spec: TopologySpec,
    topologyOptions: StormTopologyOptions,
    submitOptions: { inactive?: boolean } = {},
  ): Promise<void> {
    checkSubmission(name, jsonConf, spec, this.address);
    await this.call(
      'submitTopologyWithOpts',
      (w) => {
        w.stringField(1, name).stringField(2, uploadedJarLocation).stringField(3, jsonConf);
        w.fieldBegin(TType.STRUCT, 4);
        encodeStormTopology(w, spec, topologyOptions);
        // SubmitOptions{1: initial_status} — TopologyInitialStatus ACTIVE = 1, INACTIVE = 2.
        w.structField(5, () => w.i32Field(1, submitOptions.inactive ? 2 : 1));
      },
      undefined,
      SUBMIT_THROWS,
      { topology: name },
    );
  }

  /** Without waitSecs, Nimbus waits the topology's message timeout before killing (killTopology). */
  async killTopology(name: string, waitSecs?: number): Promise<void> {
    if (waitSecs === undefined) {
      await this.call('killTopology', (w) => w.stringField(1, name), undefined, LIFECYCLE_THROWS, { topology: name });
      return;
    }
    await this.call(
      'killTopologyWithOpts',
      (w) => w.stringField(1, name).structField(2, () => w.i32Field(1, waitSecs)),
      undefined,
      LIFECYCLE_THROWS,
      { topology: name },
    );
  }

  async activate(name: string): Promise<void> {
    await this.call('activate', (w) => w.stringField(1, name), undefined, LIFECYCLE_THROWS, { topology: name });
  }

  async deactivate(name: string): Promise<void> {
    await this.call('deactivate', (w) => w.stringField(1, name), undefined, LIFECYCLE_THROWS, { topology: name });
  }

  async rebalance(name: string, request: RebalanceRequest = {}): Promise<void> {
    await this.call(
      'rebalance',
      (w) => {
        w.stringField(1, name);
        // RebalanceOptions: every field optional; absent means "leave as is".
        w.structField(2, () => {
          if (request.waitSecs !== undefined) w.i32Field(1, request.waitSecs);
          if (request.numWorkers !== undefined) w.i32Field(2, request.numWorkers);
          if (request.numExecutors !== undefined) {
            const entries = Object.entries(request.numExecutors);
            w.fieldBegin(TType.MAP, 3).mapBegin(TType.STRING, TType.I32, entries.length);
            for (const [component, executors] of entries) w.string(component).i32(executors);
          }
        });
      },
      undefined,
      REBALANCE_THROWS,
      { topology: name },
    );
  }

  /** One request/reply exchange; decodes the reply struct (field 0 = success, field N = declared exception N). */
  private async call<T = void>(
    method: string,
    writeArgs: (w: ThriftWriter) => void,
    success: ReadSuccess<T> | undefined,
    throws: Throws,
    context: CallContext = {},
  ): Promise<T> {
    const seqid = (this.seqid = (this.seqid + 1) & 0x7fffffff);
    const w = new ThriftWriter().messageBegin(method, MessageType.CALL, seqid);
    writeArgs(w);
    w.fieldStop();

    let frame: Buffer;
    try {
      frame = await this.connection.request(method, w.finish());
    } catch (err) {
      throw toNimbusError(err, this.address);
    }

    try {
      const r = new ThriftReader(frame);
      const header = r.readMessageBegin();
      if (header.type === MessageType.EXCEPTION) throw applicationError(readApplicationException(r), method, this.address);
      if (header.type !== MessageType.REPLY || header.name !== method || header.seqid !== seqid) {
        throw new ThriftProtocolError(`expected the reply to ${method} #${seqid}, got ${header.name} #${header.seqid} (type ${header.type})`);
      }
      let value: { v: T } | undefined;
      let declared: { kind: NonNullable<Throws[number]>; msg: string } | undefined;
      r.readStruct((id, type) => {
        if (id === 0 && success && type === success.type) {
          value = { v: success.read(r) };
          return true;
        }
        const kind = throws[id];
        if (kind && type === TType.STRUCT) {
          declared = { kind, msg: readExceptionMessage(r) };
          return true;
        }
        return false;
      });
      if (declared) throw declaredError(declared.kind, declared.msg, method, this.address, context);
      if (!success) return undefined as T;
      if (!value) throw new ThriftProtocolError(`the reply to ${method} carries no result`);
      return value.v;
    } catch (err) {
      if (err instanceof NimbusError) throw err;
      const detail = err instanceof Error ? err.message : String(err);
      throw new NimbusError('Application', `Nimbus at ${this.address} sent an unreadable reply to ${method}: ${detail}`, this.address);
    }
  }
}

/**
 * Connects to the leader Nimbus: asks the first seed that answers for getLeader(), and reconnects to the leader if
 * it is someone else (a non-leader refuses uploads and submits).
 */
export async function connectToLeader(seeds: NimbusAddress[], options: LeaderOptions = {}): Promise<NimbusClient> {
  const dial = options.dial ?? (async (address: NimbusAddress): Promise<NimbusAddress & { label?: string }> => address);
  // The leader is dialled as reported by the seed that named it: through SSH, that name means something on the seed's host.
  const connectTo = async (address: NimbusAddress, reportedBy?: NimbusAddress) => {
    const endpoint = await dial(address, reportedBy);
    return NimbusClient.connect(endpoint.host, endpoint.port, endpoint.label ? { ...options, label: endpoint.label } : options);
  };
  if (seeds.length === 0) throw new NimbusError('Unreachable', 'no Nimbus host configured: set the nimbus host(s) in config.json', '');
  const failures: NimbusError[] = [];
  for (const seed of seeds) {
    let client: NimbusClient;
    let leader: NimbusLeader;
    try {
      client = await connectTo(seed);
    } catch (err) {
      failures.push(toNimbusError(err, `${seed.host}:${seed.port}`));
      continue;
    }
    try {
      leader = await client.getLeader();
    } catch (err) {
      client.close();
      failures.push(toNimbusError(err, client.address));
      continue;
    }
    if (sameAddress(leader, seed)) return client;
    client.close();
    try {
      return await connectTo(leader, seed);
    } catch (err) {
      const cause = toNimbusError(err, `${leader.host}:${leader.port}`);
      throw new NimbusError(
        cause.kind,
        `${seed.host}:${seed.port} says the leader Nimbus is ${leader.host}:${leader.port}, but: ${cause.message}`,
        cause.address,
      );
    }
  }
  // Nobody answered: say what happened at each seed, since they usually fail for different reasons.
  const kinds = new Set(failures.map((f) => f.kind));
  const kind = kinds.size === 1 ? failures[0]!.kind : 'Unreachable';
  throw new NimbusError(
    kind,
    `no Nimbus answered; tried ${failures.map((f) => `${f.address} (${f.message})`).join('; ')} — check the nimbus host(s) in config.json and that Nimbus is running`,
    '',
  );
}

function sameAddress(a: NimbusAddress, b: NimbusAddress): boolean {
  return a.port === b.port && a.host.toLowerCase() === b.host.toLowerCase();
}

function connectionOptions(options: NimbusClientOptions): ConnectionOptions {
  return {
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    callTimeoutMs: options.callTimeoutMs ?? 60_000,
    ...(options.maxFrameBytes !== undefined ? { maxFrameBytes: options.maxFrameBytes } : {}),
    ...(options.label !== undefined ? { label: options.label } : {}),
  };
}

/** What StormSubmitter checks before calling Nimbus: cheaper to say here than to decode Nimbus's refusal. */
function checkSubmission(name: string, jsonConf: string, spec: TopologySpec, address: string): void {
  const refuse = (why: string) => new NimbusError('InvalidTopology', `${why}; fix the topology and submit again`, address);
  if (name === '' || /[/.:\\]/.test(name)) throw refuse(`topology name "${name}" must be non-empty and contain none of / . : \\`);
  let conf: unknown;
  try {
    conf = JSON.parse(jsonConf);
  } catch {
    throw refuse(`the configuration of "${name}" is not valid JSON`);
  }
  if (typeof conf !== 'object' || conf === null || Array.isArray(conf)) throw refuse(`the configuration of "${name}" must be a JSON object`);
  if (!spec.components.some((c) => c.kind === 'spout')) throw refuse(`topology "${name}" has no spout`);
}

// ---- errors ----

function toNimbusError(err: unknown, address: string): NimbusError {
  if (err instanceof NimbusError) return err;
  if (err instanceof TransportError) return new NimbusError(TRANSPORT_KIND[err.reason], err.message, err.address || address);
  return new NimbusError('Application', `talking to Nimbus at ${address}: ${err instanceof Error ? err.message : String(err)}`, address);
}

const TRANSPORT_KIND: Record<TransportFailure, NimbusErrorKind> = {
  timeout: 'Timeout',
  unreachable: 'Unreachable',
  closed: 'Unreachable',
  'frame-too-large': 'Application',
  protocol: 'Application',
};

function declaredError(
  kind: 'AlreadyAlive' | 'InvalidTopology' | 'NotAlive' | 'Authorization',
  msg: string,
  method: string,
  address: string,
  context: CallContext,
): NimbusError {
  const topology = context.topology ?? '';
  switch (kind) {
    case 'AlreadyAlive':
      return new NimbusError(kind, `a topology named "${topology}" is already running: kill it (squall kill ${topology}) or submit with --force`, address, msg);
    case 'NotAlive':
      return new NimbusError(kind, `no topology named "${topology}" is running (squall list shows what is)`, address, msg);
    case 'InvalidTopology':
      return method === 'rebalance'
        ? new NimbusError(kind, `Nimbus refused to rebalance "${topology}": ${msg} — fix the rebalance options and try again`, address, msg)
        : new NimbusError(kind, `Nimbus refused topology "${topology}": ${msg} — fix the topology and submit again`, address, msg);
    case 'Authorization':
      return new NimbusError(kind, `Nimbus at ${address} refused ${method}: ${msg} — check your Storm user/ACLs`, address, msg);
  }
}

/**
 * An undeclared failure inside Nimbus. A non-leader's refusal arrives this way ("not a leader, current leader is …"),
 * so it is recognised by its text.
 */
function applicationError(ex: { message: string; type: number }, method: string, address: string): NimbusError {
  if (/not (a |the )?leader/i.test(ex.message)) {
    return new NimbusError(
      'NotLeader',
      `${address} is not the leader Nimbus; squall asks getLeader() first — check the nimbus host(s) in config.json (Nimbus said: ${ex.message})`,
      address,
      ex.message,
    );
  }
  return new NimbusError('Application', `Nimbus at ${address} failed ${method}: ${ex.message || `error type ${ex.type}`}`, address, ex.message);
}

// ---- reply decoding (unknown fields are skipped by ThriftReader.readStruct) ----

const STRING: ReadSuccess<string> = { type: TType.STRING, read: (r) => r.string() };
const BOOL: ReadSuccess<boolean> = { type: TType.BOOL, read: (r) => r.bool() };

function struct<T>(read: (r: ThriftReader) => T): ReadSuccess<T> {
  return { type: TType.STRUCT, read };
}

/** TApplicationException: 1 string message, 2 i32 type. */
function readApplicationException(r: ThriftReader): { message: string; type: number } {
  const ex = { message: '', type: 0 };
  r.readStruct((id, type) => {
    if (id === 1 && type === TType.STRING) ex.message = r.string();
    else if (id === 2 && type === TType.I32) ex.type = r.i32();
    else return false;
    return true;
  });
  return ex;
}

/** Every Nimbus exception struct: 1 string msg. */
function readExceptionMessage(r: ThriftReader): string {
  let msg = '';
  r.readStruct((id, type) => {
    if (id !== 1 || type !== TType.STRING) return false;
    msg = r.string();
    return true;
  });
  return msg;
}

function readList<T>(r: ThriftReader, read: (r: ThriftReader) => T): T[] {
  const { elementType, size } = r.listBegin();
  const out: T[] = [];
  for (let i = 0; i < size; i++) {
    if (elementType === TType.STRUCT) out.push(read(r));
    else r.skip(elementType);
  }
  return out;
}

/** NimbusSummary: 1 host, 2 i32 port, 3 i32 uptime_secs, 4 bool isLeader, 5 version. */
function readNimbusSummary(r: ThriftReader): NimbusSummary {
  const s: NimbusSummary = { host: '', port: 0, uptimeSecs: 0, isLeader: false, version: '' };
  r.readStruct((id, type) => {
    if (id === 1 && type === TType.STRING) s.host = r.string();
    else if (id === 2 && type === TType.I32) s.port = r.i32();
    else if (id === 3 && type === TType.I32) s.uptimeSecs = r.i32();
    else if (id === 4 && type === TType.BOOL) s.isLeader = r.bool();
    else if (id === 5 && type === TType.STRING) s.version = r.string();
    else return false;
    return true;
  });
  return s;
}

/** ClusterSummary: 1 list<SupervisorSummary>, 3 list<TopologySummary>, 4 list<NimbusSummary>. */
function readClusterSummary(r: ThriftReader): ClusterInfo {
  const info: ClusterInfo = { topologies: [], nimbuses: [], supervisors: [] };
  r.readStruct((id, type) => {
    if (type !== TType.LIST) return false;
    if (id === 1) info.supervisors = readList(r, readSupervisorSummary);
    else if (id === 3) info.topologies = readList(r, readTopologySummary);
    else if (id === 4) info.nimbuses = readList(r, readNimbusSummary);
    else return false;
    return true;
  });
  return info;
}

/** TopologySummary: 1 id, 2 name, 3 num_tasks, 4 num_executors, 5 num_workers, 6 uptime_secs, 7 status, … */
function readTopologySummary(r: ThriftReader): TopologySummary {
  const t: TopologySummary = { id: '', name: '', status: '', uptimeSecs: 0, numTasks: 0, numExecutors: 0, numWorkers: 0 };
  r.readStruct((id, type) => {
    if (id === 1 && type === TType.STRING) t.id = r.string();
    else if (id === 2 && type === TType.STRING) t.name = r.string();
    else if (id === 3 && type === TType.I32) t.numTasks = r.i32();
    else if (id === 4 && type === TType.I32) t.numExecutors = r.i32();
    else if (id === 5 && type === TType.I32) t.numWorkers = r.i32();
    else if (id === 6 && type === TType.I32) t.uptimeSecs = r.i32();
    else if (id === 7 && type === TType.STRING) t.status = r.string();
    else return false;
    return true;
  });
  return t;
}

function readTopologyInfo(r: ThriftReader): TopologyInfo {
  const t: TopologyInfo = { id: '', name: '', uptimeSecs: 0, status: '', executors: [] };
  r.readStruct((id, type) => {
    if (id === 1 && type === TType.STRING) t.id = r.string();
    else if (id === 2 && type === TType.STRING) t.name = r.string();
    else if (id === 3 && type === TType.I32) t.uptimeSecs = r.i32();
    else if (id === 4 && type === TType.LIST) t.executors = readList(r, readExecutorSummary);
    else if (id === 5 && type === TType.STRING) t.status = r.string();
    else return false;
    return true;
  });
  return t;
}

function readExecutorSummary(r: ThriftReader): ExecutorPlacement {
  const e: ExecutorPlacement = { componentId: '', host: '', port: 0 };
  r.readStruct((id, type) => {
    if (id === 2 && type === TType.STRING) e.componentId = r.string();
    else if (id === 3 && type === TType.STRING) e.host = r.string();
    else if (id === 4 && type === TType.I32) e.port = r.i32();
    else return false;
    return true;
  });
  return e;
}

/** SupervisorSummary: 1 host, 2 i32 uptime_secs, 3 i32 num_workers, 4 i32 num_used_workers, 5 supervisor_id, … */
function readSupervisorSummary(r: ThriftReader): SupervisorSummary {
  const s: SupervisorSummary = { host: '', id: '', uptimeSecs: 0, numWorkers: 0, numUsedWorkers: 0 };
  r.readStruct((id, type) => {
    if (id === 1 && type === TType.STRING) s.host = r.string();
    else if (id === 2 && type === TType.I32) s.uptimeSecs = r.i32();
    else if (id === 3 && type === TType.I32) s.numWorkers = r.i32();
    else if (id === 4 && type === TType.I32) s.numUsedWorkers = r.i32();
    else if (id === 5 && type === TType.STRING) s.id = r.string();
    else return false;
    return true;
  });
  return s;
}
