/**
 * The Thrift wire Nimbus speaks: TBinaryProtocol (strict write) inside TFramedTransport over TCP. What the messages
 * hold is described once, in ./schema.ts; this file only moves bytes.
 *
 * Not the `thrift` npm runtime: its protocol could write every type Nimbus needs (struct-keyed maps such as
 * `map<GlobalStreamId, Grouping>` included — only Thrift's JavaScript code generator cannot express those), but its
 * connection has no deadline for a reply and its errors do not name the address; every call here ends in bounded
 * time with an error that does. The test Nimbus uses that runtime, so the two implementations check each other.
 */
import { Socket, connect as netConnect } from 'node:net';
import { DEFAULT_NIMBUS_PORT } from '../config/project-config.js';

/** Wire type ids of TBinaryProtocol. */
export const TType = {
  STOP: 0,
  BOOL: 2,
  BYTE: 3,
  DOUBLE: 4,
  I16: 6,
  I32: 8,
  I64: 10,
  STRING: 11,
  STRUCT: 12,
  MAP: 13,
  SET: 14,
  LIST: 15,
} as const;
export type TTypeId = (typeof TType)[keyof typeof TType];

export const MessageType = { CALL: 1, REPLY: 2, EXCEPTION: 3, ONEWAY: 4 } as const;

/** Strict binary protocol: the first i32 of a message is this version OR-ed with the message type. */
const VERSION_1 = 0x80010000;
const VERSION_MASK = 0xffff0000;

/** Storm's `nimbus.thrift.max_buffer_size`: Nimbus drops a connection that sends a bigger frame. */
export const MAX_FRAME_BYTES = 1_048_576;

/** Nested containers deeper than this are not something Nimbus sends; treat them as corruption. */
const MAX_DEPTH = 64;

/** Encodes one message into a growable buffer (the frame header is added by the connection). */
export class ThriftWriter {
  private buf = Buffer.allocUnsafe(1024);
  private pos = 0;

  get length(): number {
    return this.pos;
  }

  /** The bytes written so far (a copy-free view; do not keep it across further writes). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  messageBegin(name: string, type: number, seqid: number): this {
    // Strict write: Java's TBinaryProtocol reads either form, but strict is what every Storm client sends.
    this.i32((VERSION_1 | type) | 0);
    this.string(name);
    return this.i32(seqid);
  }

  fieldBegin(type: TTypeId, id: number): this {
    this.byte(type);
    return this.i16(id);
  }

  fieldStop(): this {
    return this.byte(TType.STOP);
  }

  mapBegin(keyType: TTypeId, valueType: TTypeId, size: number): this {
    this.byte(keyType);
    this.byte(valueType);
    return this.i32(size);
  }

  listBegin(elementType: TTypeId, size: number): this {
    this.byte(elementType);
    return this.i32(size);
  }

  bool(value: boolean): this {
    return this.byte(value ? 1 : 0);
  }

  byte(value: number): this {
    this.ensure(1);
    this.buf.writeInt8(value, this.pos);
    this.pos += 1;
    return this;
  }

  i16(value: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(value, this.pos);
    this.pos += 2;
    return this;
  }

  i32(value: number): this {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
      throw new RangeError(`${value} is not a 32-bit integer`);
    }
    this.ensure(4);
    this.buf.writeInt32BE(value, this.pos);
    this.pos += 4;
    return this;
  }

  i64(value: number | bigint): this {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      // Above 2^53 a JavaScript number has already lost digits; refuse rather than send a different value.
      throw new RangeError(`${value} is not an integer that fits a 64-bit field exactly`);
    }
    const big = BigInt(value);
    if (BigInt.asIntN(64, big) !== big) throw new RangeError(`${value} does not fit a 64-bit integer`);
    this.ensure(8);
    this.buf.writeBigInt64BE(big, this.pos);
    this.pos += 8;
    return this;
  }

  double(value: number): this {
    this.ensure(8);
    this.buf.writeDoubleBE(value, this.pos);
    this.pos += 8;
    return this;
  }

  string(value: string): this {
    return this.binary(Buffer.from(value, 'utf8'));
  }

  binary(value: Uint8Array): this {
    this.i32(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
    return this;
  }

  // Field shorthands: header + value.
  stringField(id: number, value: string): this {
    return this.fieldBegin(TType.STRING, id).string(value);
  }
  binaryField(id: number, value: Uint8Array): this {
    return this.fieldBegin(TType.STRING, id).binary(value);
  }
  i32Field(id: number, value: number): this {
    return this.fieldBegin(TType.I32, id).i32(value);
  }
  boolField(id: number, value: boolean): this {
    return this.fieldBegin(TType.BOOL, id).bool(value);
  }
  /** A struct-typed field: header, the body `write` produces, then the struct's STOP. */
  structField(id: number, write: (w: this) => void): this {
    this.fieldBegin(TType.STRUCT, id);
    write(this);
    return this.fieldStop();
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

export interface MessageHeader {
  name: string;
  type: number;
  seqid: number;
}

/** Decodes one message from a complete frame body. Every read is bounds-checked: a short frame is an error. */
export class ThriftReader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  readMessageBegin(): MessageHeader {
    const first = this.i32();
    if (first < 0) {
      if ((first & VERSION_MASK) >>> 0 !== VERSION_1) throw new ThriftProtocolError(`bad protocol version 0x${(first >>> 0).toString(16)}`);
      const name = this.string();
      return { name, type: first & 0xff, seqid: this.i32() };
    }
    // Old non-strict form: the name's length comes first. Accepted on read, as Java does.
    const name = this.take(first).toString('utf8');
    const type = this.byte();
    return { name, type, seqid: this.i32() };
  }

  /**
   * Reads a struct field by field. `onField` reads the value and returns true when it knows (id, type); otherwise
   * the field is skipped, which is how newer Nimbus versions can add fields without breaking us.
   */
  readStruct(onField: (id: number, type: number) => boolean, depth = 0): void {
    if (depth > MAX_DEPTH) throw new ThriftProtocolError('structs nested too deeply');
    for (;;) {
      const type = this.byte();
      if (type === TType.STOP) return;
      const id = this.i16();
      if (!onField(id, type)) this.skip(type, depth + 1);
    }
  }

  mapBegin(): { keyType: number; valueType: number; size: number } {
    const keyType = this.byte();
    const valueType = this.byte();
    return { keyType, valueType, size: this.size() };
  }

  listBegin(): { elementType: number; size: number } {
    const elementType = this.byte();
    return { elementType, size: this.size() };
  }

  bool(): boolean {
    return this.byte() !== 0;
  }
  byte(): number {
    const v = this.view(1).readInt8(this.pos);
    this.pos += 1;
    return v;
  }
  i16(): number {
    const v = this.view(2).readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    const v = this.view(4).readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  i64(): bigint {
    const v = this.view(8).readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  double(): number {
    const v = this.view(8).readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }
  string(): string {
    return this.binary().toString('utf8');
  }
  binary(): Buffer {
    const length = this.i32();
    if (length < 0) throw new ThriftProtocolError(`negative string length ${length}`);
    return this.take(length);
  }

  /** Skips a value of any wire type (unknown fields, unexpected types). */
  skip(type: number, depth = 0): void {
    if (depth > MAX_DEPTH) throw new ThriftProtocolError('values nested too deeply');
    switch (type) {
      case TType.BOOL:
      case TType.BYTE:
        this.take(1);
        return;
      case TType.I16:
        this.take(2);
        return;
      case TType.I32:
        this.take(4);
        return;
      case TType.I64:
      case TType.DOUBLE:
        this.take(8);
        return;
      case TType.STRING:
        this.binary();
        return;
      case TType.STRUCT:
        this.readStruct(() => false, depth + 1);
        return;
      case TType.MAP: {
        const { keyType, valueType, size } = this.mapBegin();
        for (let i = 0; i < size; i++) {
          this.skip(keyType, depth + 1);
          this.skip(valueType, depth + 1);
        }
        return;
      }
      case TType.SET:
      case TType.LIST: {
        const { elementType, size } = this.listBegin();
        for (let i = 0; i < size; i++) this.skip(elementType, depth + 1);
        return;
      }
      default:
        throw new ThriftProtocolError(`unknown wire type ${type}`);
    }
  }

  /** A container size: never negative, never more elements than bytes left (each element takes at least one). */
  private size(): number {
    const size = this.i32();
    if (size < 0 || size > this.buf.length - this.pos) throw new ThriftProtocolError(`implausible container size ${size}`);
    return size;
  }

  private take(length: number): Buffer {
    this.view(length);
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  private view(length: number): Buffer {
    if (this.pos + length > this.buf.length) throw new ThriftProtocolError('message ends early');
    return this.buf;
  }
}

export class ThriftProtocolError extends Error {
  override name = 'ThriftProtocolError';
}

export type TransportFailure = 'timeout' | 'unreachable' | 'closed' | 'frame-too-large' | 'protocol';

/** A failure of the connection itself (not an answer from Nimbus). `message` already names host:port. */
export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    readonly reason: TransportFailure,
    message: string,
    readonly address: string,
  ) {
    super(message);
  }
}

export interface ConnectionOptions {
  /** How long to wait for the TCP connection. */
  connectTimeoutMs: number;
  /** How long to wait for each reply. */
  callTimeoutMs: number;
  /** Largest frame sent or accepted (default MAX_FRAME_BYTES, Storm's default nimbus.thrift.max_buffer_size). */
  maxFrameBytes?: number;
  /** How messages name this Nimbus (default host:port; through an SSH tunnel, the Nimbus behind the local port). */
  label?: string;
}

interface Pending {
  label: string;
  resolve: (frame: Buffer) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One TCP connection carrying framed messages, one request at a time (a Thrift connection answers in order, and a
 * Nimbus client never pipelines). Requests made while one is outstanding wait their turn.
 */
export class FramedConnection {
  readonly address: string;
  private readonly maxFrameBytes: number;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Set once the connection can no longer be used; later requests fail with it. */
  private broken: TransportError | undefined;

  private constructor(
    private readonly socket: Socket,
    host: string,
    port: number,
    private readonly options: ConnectionOptions,
  ) {
    this.address = options.label ?? `${host}:${port}`;
    this.maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
    socket.on('data', (data) => this.onData(data));
    socket.on('error', (err) => this.fail(new TransportError('closed', `connection to Nimbus at ${this.address} failed: ${err.message}`, this.address)));
    socket.on('close', () => this.fail(new TransportError('closed', `Nimbus at ${this.address} closed the connection`, this.address)));
  }

  static open(host: string, port: number, options: ConnectionOptions): Promise<FramedConnection> {
    const address = options.label ?? `${host}:${port}`;
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TransportError('timeout', `connecting to Nimbus at ${address} timed out after ${options.connectTimeoutMs} ms`, address));
      }, options.connectTimeoutMs);
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new TransportError('unreachable', `cannot reach Nimbus at ${address}: ${describeSocketError(err)}`, address));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        resolve(new FramedConnection(socket, host, port, options));
      });
    });
  }

  /**
   * Sends one frame and resolves with the next frame received. `label` (the method) goes into error messages.
   * A frame over the limit is refused before anything is sent, so the connection stays usable.
   */
  request(label: string, payload: Buffer): Promise<Buffer> {
    const run = () => this.send(label, payload);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.fail(new TransportError('closed', `the connection to Nimbus at ${this.address} was closed`, this.address));
  }

  private send(label: string, payload: Buffer): Promise<Buffer> {
    if (this.broken) return Promise.reject(this.broken);
    if (payload.length > this.maxFrameBytes) {
      return Promise.reject(
        new TransportError(
          'frame-too-large',
          `the ${label} request to Nimbus at ${this.address} is ${payload.length} bytes, over the ${this.maxFrameBytes}-byte frame ` +
            `limit (nimbus.thrift.max_buffer_size); Nimbus would drop the connection`,
          this.address,
        ),
      );
    }
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The reply may still arrive later and would be taken for the next call's: the connection is done.
        this.fail(
          new TransportError('timeout', `Nimbus at ${this.address} did not answer ${label} within ${this.options.callTimeoutMs} ms`, this.address),
        );
      }, this.options.callTimeoutMs);
      this.pending = { label, resolve, reject, timer };
      const header = Buffer.allocUnsafe(4);
      header.writeInt32BE(payload.length, 0);
      this.socket.write(Buffer.concat([header, payload]));
    });
  }

  private onData(data: Buffer): void {
    this.chunks.push(data);
    this.buffered += data.length;
    for (;;) {
      if (this.buffered < 4) return;
      if (this.chunks[0]!.length < 4) this.chunks = [Buffer.concat(this.chunks)];
      const size = this.chunks[0]!.readInt32BE(0);
      if (size < 0 || size > this.maxFrameBytes) {
        this.fail(new TransportError('protocol', this.describeBadHeader(this.chunks[0]!, size), this.address));
        return;
      }
      // Join the pieces only once the whole frame is here, so a large reply is copied once, not per packet.
      if (this.buffered < 4 + size) return;
      const joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      const frame = joined.subarray(4, 4 + size);
      const rest = joined.subarray(4 + size);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      const pending = this.pending;
      if (!pending) {
        this.fail(new TransportError('protocol', `Nimbus at ${this.address} sent a message nobody asked for`, this.address));
        return;
      }
      this.pending = undefined;
      clearTimeout(pending.timer);
      pending.resolve(frame);
    }
  }

  /**
   * A reply whose 4-byte frame header is no Thrift frame size. Most often the port is not Nimbus's Thrift port:
   * an HTTP server (the Storm UI, 8080) answers our binary request with "HTTP/1.1 400", whose first four bytes read
   * as 1,213,486,160.
   */
  private describeBadHeader(start: Buffer, size: number): string {
    const thriftPort = `Nimbus's Thrift port (nimbus.thrift.port, ${DEFAULT_NIMBUS_PORT} by default)`;
    if (start.subarray(0, 5).toString('latin1') === 'HTTP/') {
      return `${this.address} answered in HTTP, so it is not ${thriftPort}; it looks like a web port such as the Storm UI's (8080)`;
    }
    if (size < 0) {
      return `${this.address} sent a reply with a negative frame size (${size}), which no Thrift server sends; check that it is ${thriftPort}`;
    }
    return (
      `Nimbus at ${this.address} sent a frame of ${size} bytes, over the ${this.maxFrameBytes}-byte limit ` +
      `(nimbus.thrift.max_buffer_size); if it is not Nimbus, check that the port is ${thriftPort}`
    );
  }

  /** Marks the connection unusable, rejects the outstanding request (if any) and closes the socket. */
  private fail(err: TransportError): void {
    if (!this.broken) this.broken = err;
    const pending = this.pending;
    this.pending = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(err);
    }
    this.socket.destroy();
  }
}

function describeSocketError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused (nothing listens there)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to host';
    default:
      return err.message;
  }
}
