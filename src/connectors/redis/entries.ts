import type { RawReply } from './client.js';

/** One stream entry: its id (`<ms>-<seq>`) and its field/value pairs. */
export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

/**
 * An entry read back from a pending entries list whose data is gone (XDEL, or trimmed by MAXLEN): Redis returns
 * its id with nil fields. It can only be acknowledged.
 */
export interface DeletedEntry {
  id: string;
  deleted: true;
}

function entry(raw: RawReply): StreamEntry | DeletedEntry {
  if (!Array.isArray(raw) || typeof raw[0] !== 'string') throw new Error(`unexpected stream entry from Redis: ${JSON.stringify(raw)}`);
  const [id, pairs] = raw;
  if (!Array.isArray(pairs)) return { id, deleted: true };
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) fields[String(pairs[i])] = String(pairs[i + 1]);
  return { id, fields };
}

/** XREADGROUP's reply for one stream: nil (BLOCK timed out), or `[[stream, [entry, …]]]`. */
export function readGroupReply(reply: RawReply): Array<StreamEntry | DeletedEntry> {
  if (reply === null || !Array.isArray(reply) || reply.length === 0) return [];
  const perStream = reply[0];
  if (!Array.isArray(perStream) || !Array.isArray(perStream[1])) return [];
  return perStream[1].map(entry);
}

/** One entry of XPENDING's extended form: its id, the consumer holding it, and Redis's delivery count. */
export interface PendingState {
  id: string;
  consumer: string;
  idleMs: number;
  deliveries: number;
}

/** XPENDING's extended reply (`XPENDING key group [IDLE ms] start end count [consumer]`). */
export function pendingReply(reply: RawReply): PendingState[] {
  if (!Array.isArray(reply)) throw new Error(`unexpected XPENDING reply from Redis: ${JSON.stringify(reply).slice(0, 200)}`);
  return reply.map((row) => {
    if (!Array.isArray(row) || row.length < 4) throw new Error(`unexpected XPENDING entry from Redis: ${JSON.stringify(row).slice(0, 200)}`);
    return { id: String(row[0]), consumer: String(row[1]), idleMs: Number(row[2]), deliveries: Number(row[3]) };
  });
}

/** One consumer of a group as XINFO CONSUMERS shows it. */
export interface ConsumerState {
  name: string;
  pending: number;
  /** Since it last read or claimed (Redis 7.0 `idle`). */
  idleMs: number;
}

/** XINFO CONSUMERS's RESP2 reply: one flat field/value list per consumer. */
export function consumersReply(reply: RawReply): ConsumerState[] {
  if (!Array.isArray(reply)) throw new Error(`unexpected XINFO CONSUMERS reply from Redis: ${JSON.stringify(reply).slice(0, 200)}`);
  return reply.map((row) => {
    const fields = flatFields(row);
    return { name: String(fields.get('name')), pending: Number(fields.get('pending') ?? 0), idleMs: Number(fields.get('idle') ?? 0) };
  });
}

/** One consumer group of a stream as XINFO GROUPS shows it (Redis 7). */
export interface GroupState {
  name: string;
  /** Entries delivered to the group's consumers and not yet acknowledged (the group's whole pending list). */
  pending: number;
  /**
   * Entries not yet delivered to the group. Null when Redis cannot tell: before 7.0 (no such field), or when
   * entries were deleted between the group's last delivered id and the end of the stream, or the group's id was
   * set by hand (XGROUP SETID) — Redis then no longer knows how many entries lie ahead.
   */
  lag: number | null;
}

/** XINFO GROUPS's RESP2 reply: one flat field/value list per group. */
export function groupsReply(reply: RawReply): GroupState[] {
  if (!Array.isArray(reply)) throw new Error(`unexpected XINFO GROUPS reply from Redis: ${JSON.stringify(reply).slice(0, 200)}`);
  return reply.map((row) => {
    const fields = flatFields(row);
    const lag = fields.get('lag');
    return { name: String(fields.get('name')), pending: Number(fields.get('pending') ?? 0), lag: lag === undefined || lag === null ? null : Number(lag) };
  });
}

/** An XINFO row in RESP2: a flat field/value list. */
function flatFields(row: RawReply): Map<string, RawReply> {
  const fields = new Map<string, RawReply>();
  if (Array.isArray(row)) for (let i = 0; i + 1 < row.length; i += 2) fields.set(String(row[i]), row[i + 1]!);
  return fields;
}

export function isDeleted(e: StreamEntry | DeletedEntry): e is DeletedEntry {
  return 'deleted' in e;
}

/** Field/value pairs as XADD arguments. Strings pass as they are; anything else as JSON (numbers as digits). */
export function fieldArgs(fields: Record<string, unknown>): string[] {
  const args: string[] = [];
  for (const [field, value] of Object.entries(fields)) args.push(field, stringValue(value));
  return args;
}

export function stringValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value === undefined) return '';
  return JSON.stringify(value);
}
