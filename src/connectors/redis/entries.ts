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

/** XAUTOCLAIM's reply: the cursor to continue from (`0-0` when the sweep is complete), claimed and deleted ids. */
export function autoClaimReply(reply: RawReply): { cursor: string; entries: Array<StreamEntry | DeletedEntry>; deleted: string[] } {
  if (!Array.isArray(reply) || typeof reply[0] !== 'string' || !Array.isArray(reply[1])) {
    throw new Error(`unexpected XAUTOCLAIM reply from Redis: ${JSON.stringify(reply).slice(0, 200)}`);
  }
  // Redis 6.2 answers two elements; 7.0 adds the ids it removed from the PEL because their entries are gone.
  const deleted = Array.isArray(reply[2]) ? reply[2].map(String) : [];
  return { cursor: reply[0], entries: reply[1].filter((e) => e !== null).map(entry), deleted };
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
