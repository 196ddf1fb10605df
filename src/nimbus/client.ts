/**
 * A Nimbus client: the handful of Nimbus service calls squall needs (storm.thrift `service Nimbus`), with every
 * failure turned into a NimbusError that says what to do next.
 */
import { open } from 'node:fs/promises';
import type { TopologySpec } from '../topology/spec.js';
import { ApplicationException, Nimbus, NimbusException } from './schema.js';
import type * as schema from './schema.js';
import type { DeclaredException, Fields, Method, StructInput, StructValue } from './schema.js';
import { stormTopology } from './storm-topology.js';
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
  /** Where the seeds were given (`--nimbus`, a config.json key …), named when none answers (default: "the Nimbus address"). */
  seedsFrom?: string;
}

/** What getLeader() answers: storm.thrift NimbusSummary without its uptime. */
export type NimbusLeader = Omit<NimbusSummary, 'uptimeSecs'>;

export type NimbusSummary = StructValue<typeof schema.NimbusSummary.fields>;
export type TopologySummary = StructValue<typeof schema.TopologySummary.fields>;
export type SupervisorSummary = StructValue<typeof schema.SupervisorSummary.fields>;
export type TopologyInfo = StructValue<typeof schema.TopologyInfo.fields>;
/** storm.thrift ClusterSummary. */
export type ClusterInfo = StructValue<typeof schema.ClusterSummary.fields>;

export interface RebalanceRequest {
  /** Seconds the topology stays deactivated before its executors move (Nimbus default: the message timeout). */
  waitSecs?: number;
  numWorkers?: number;
  /** Component id → executors (at most its task count). */
  numExecutors?: Record<string, number>;
}

/** storm.thrift TopologyInitialStatus. */
const TOPOLOGY_ACTIVE = 1;
const TOPOLOGY_INACTIVE = 2;

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
    const summary = await this.call(Nimbus.getLeader, {});
    const { uptimeSecs: _uptime, ...leader } = summary;
    return leader;
  }

  getClusterInfo(): Promise<ClusterInfo> {
    return this.call(Nimbus.getClusterInfo, {});
  }

  /** A running topology's current assignment, by topology id. */
  getTopologyInfo(id: string, name = id): Promise<TopologyInfo> {
    return this.call(Nimbus.getTopologyInfo, { id }, { topology: name });
  }

  async getNimbusConf(): Promise<Record<string, unknown>> {
    const json = await this.call(Nimbus.getNimbusConf, {});
    try {
      return JSON.parse(json) as Record<string, unknown>;
    } catch {
      throw new NimbusError('Application', `Nimbus at ${this.address} returned a configuration that is not JSON`, this.address);
    }
  }

  isTopologyNameAllowed(name: string): Promise<boolean> {
    return this.call(Nimbus.isTopologyNameAllowed, { name });
  }

  /**
   * Uploads a JAR as Storm's submitter does: beginFileUpload, uploadChunk in 307,200-byte pieces, finishFileUpload.
   * Reads the file piece by piece, so a large JAR is never held in memory. Returns the location for submitTopology.
   */
  async uploadJar(path: string, onProgress?: (sentBytes: number, totalBytes: number) => void): Promise<string> {
    const file = await open(path, 'r');
    try {
      const totalBytes = (await file.stat()).size;
      const location = await this.call(Nimbus.beginFileUpload, {});
      const chunk = Buffer.allocUnsafe(UPLOAD_CHUNK_BYTES);
      let sentBytes = 0;
      while (sentBytes < totalBytes) {
        const { bytesRead } = await file.read(chunk, 0, Math.min(UPLOAD_CHUNK_BYTES, totalBytes - sentBytes), sentBytes);
        if (bytesRead === 0) throw new Error(`${path} became shorter while it was being uploaded`);
        await this.call(Nimbus.uploadChunk, { location, chunk: chunk.subarray(0, bytesRead) });
        sentBytes += bytesRead;
        onProgress?.(sentBytes, totalBytes);
      }
      await this.call(Nimbus.finishFileUpload, { location });
      return location;
    } finally {
      await file.close();
    }
  }

  /**
   * submitTopologyWithOpts. `jsonConf` is the topology configuration as JSON (topology.* keys); Nimbus adds the
   * name and id itself. Transport only: what Storm's submitter checks, squall checks when it loads the topology
   * (topology/validate.ts), before anything is built, uploaded or killed.
   */
  async submitTopology(
    name: string,
    uploadedJarLocation: string,
    jsonConf: string,
    spec: TopologySpec,
    topologyOptions: StormTopologyOptions,
    submitOptions: { inactive?: boolean } = {},
  ): Promise<void> {
    await this.call(
      Nimbus.submitTopologyWithOpts,
      {
        name,
        uploadedJarLocation,
        jsonConf,
        topology: stormTopology(spec, topologyOptions),
        options: { initialStatus: submitOptions.inactive ? TOPOLOGY_INACTIVE : TOPOLOGY_ACTIVE },
      },
      { topology: name },
    );
  }

  /** Without waitSecs, Nimbus waits the topology's message timeout before killing (killTopology). */
  async killTopology(name: string, waitSecs?: number): Promise<void> {
    if (waitSecs === undefined) {
      await this.call(Nimbus.killTopology, { name }, { topology: name });
      return;
    }
    await this.call(Nimbus.killTopologyWithOpts, { name, options: { waitSecs } }, { topology: name });
  }

  async activate(name: string): Promise<void> {
    await this.call(Nimbus.activate, { name }, { topology: name });
  }

  async deactivate(name: string): Promise<void> {
    await this.call(Nimbus.deactivate, { name }, { topology: name });
  }

  async rebalance(name: string, request: RebalanceRequest = {}): Promise<void> {
    const options: StructInput<typeof schema.RebalanceOptions.fields> = {
      ...(request.waitSecs !== undefined ? { waitSecs: request.waitSecs } : {}),
      ...(request.numWorkers !== undefined ? { numWorkers: request.numWorkers } : {}),
      ...(request.numExecutors !== undefined ? { numExecutors: Object.entries(request.numExecutors) } : {}),
    };
    await this.call(Nimbus.rebalance, { name, options }, { topology: name });
  }

  /** One request/reply exchange; decodes the reply struct (field 0 = the return value, field N = declared exception N). */
  private async call<A extends Fields, R>(
    method: Method<A, R>,
    args: StructInput<A>,
    context: CallContext = {},
  ): Promise<R> {
    const seqid = (this.seqid = (this.seqid + 1) & 0x7fffffff);
    const w = new ThriftWriter().messageBegin(method.name, MessageType.CALL, seqid);
    method.args.write(w, args);

    let frame: Buffer;
    try {
      frame = await this.connection.request(method.name, w.finish());
    } catch (err) {
      throw toNimbusError(err, this.address);
    }

    try {
      const r = new ThriftReader(frame);
      const header = r.readMessageBegin();
      if (header.type === MessageType.EXCEPTION) throw applicationError(ApplicationException.read(r), method.name, this.address);
      if (header.type !== MessageType.REPLY || header.name !== method.name || header.seqid !== seqid) {
        throw new ThriftProtocolError(`expected the reply to ${method.name} #${seqid}, got ${header.name} #${header.seqid} (type ${header.type})`);
      }
      const returns = method.returns;
      let value: { v: R } | undefined;
      let declared: { kind: DeclaredException; msg: string } | undefined;
      r.readStruct((id, type) => {
        if (id === 0 && returns && type === returns.wire) {
          value = { v: returns.read(r) };
          return true;
        }
        const kind = method.throws[id];
        if (kind && type === TType.STRUCT) {
          declared = { kind, msg: NimbusException.read(r).msg };
          return true;
        }
        return false;
      });
      if (declared) throw declaredError(declared.kind, declared.msg, method.name, this.address, context);
      if (!returns) return undefined as R;
      if (!value) throw new ThriftProtocolError(`the reply to ${method.name} carries no result`);
      return value.v;
    } catch (err) {
      if (err instanceof NimbusError) throw err;
      const detail = err instanceof Error ? err.message : String(err);
      throw new NimbusError('Application', `Nimbus at ${this.address} sent an unreadable reply to ${method.name}: ${detail}`, this.address);
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
  if (seeds.length === 0) throw new NimbusError('Unreachable', `no Nimbus host given: check ${options.seedsFrom ?? 'the Nimbus address'}`, '');
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
    `no Nimbus answered; tried ${failures.map((f) => `${f.address} (${f.message})`).join('; ')} — check ${options.seedsFrom ?? 'the Nimbus address'} and that Nimbus is running`,
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
  kind: DeclaredException,
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
      `${address} is not the leader Nimbus; squall asks getLeader() first — check the Nimbus host(s) given (Nimbus said: ${ex.message})`,
      address,
      ex.message,
    );
  }
  return new NimbusError('Application', `Nimbus at ${address} failed ${method}: ${ex.message || `error type ${ex.type}`}`, address, ex.message);
}
