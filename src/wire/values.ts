/**
 * Nested values (objects and arrays inside a tuple's values) between components.
 *
 * Storm parses a multi-lang emit with json-smart: a nested value becomes a JSONObject or JSONArray, and Kryo refuses
 * those when the tuple crosses to another worker (WorkerTransfer.tryTransferRemote: "Class is not registered"), with
 * topology.fall.back.on.java.serialization false by default. So a squall component sends each nested value as one
 * string, NESTED_MARK followed by the value's JSON text (the record separator, as RFC 7464 JSON text sequences use
 * it): Java sees a String, which every Storm 2.x serializes, and a squall bolt restores the value. A string the user
 * emits that itself begins with NESTED_MARK gets one more NESTED_MARK in front, so every string arrives as it left.
 *
 *   { a: 1 }      ->  "\u001e{"a":1}"
 *   "\u001eabc"   ->  "\u001e\u001eabc"
 *   "plain"       ->  "plain"         (flat values are untouched: one type check each)
 */
import { parseFrame, stringifyMessage } from './codec.js';

/** Topology config key: false sends nested values as raw JSON (Java then sees JSONObject/JSONArray). Default true. */

/** U+001E (record separator): the first character of an encoded nested value. */
export const NESTED_MARK = '\u001e';
const MARK = 0x1e;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;

/**
 * The values as they go on the wire: nested values as marked JSON text, strings starting with the mark escaped.
 * Returns `values` itself when nothing needs encoding (the common, flat case), else a copy.
 * `sortedAt`: positions whose objects are written with sorted keys, so that equal values give equal text — a
 * fields grouping hashes that text, and Storm groups deep-equal maps together whatever their key order.
 */
export function encodeValues(values: unknown[], sortedAt?: ReadonlySet<number>): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value === 'string') {
      if (value.charCodeAt(0) !== MARK) continue;
      (out ??= values.slice())[i] = NESTED_MARK + value;
    } else if (typeof value === 'object' && value !== null) {
      (out ??= values.slice())[i] = encodeNested(value, sortedAt?.has(i) === true);
    }
  }
  return out ?? values;
}

function encodeNested(value: object, sorted: boolean): unknown {
  const text = sorted ? canonicalJson(value) : stringifyMessage(value);
  if (text === undefined) return value; // toJSON gave undefined: JSON writes null, as it would have anyway
  const first = text.charCodeAt(0);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) return NESTED_MARK + text;
  // An object whose toJSON gives a scalar (a Date gives its ISO string): send that scalar, escaped like any string.
  const scalar = parseFrame(text);
  return typeof scalar === 'string' && scalar.charCodeAt(0) === MARK ? NESTED_MARK + scalar : scalar;
}

/**
 * The values as the user emitted them: marked JSON text back to objects and arrays, escaped strings unescaped.
 * Returns `values` itself when no value starts with the mark, else a copy. Text after the mark that is not a JSON
 * object or array (a producer that does not follow this convention) is left as it arrived.
 */
export function decodeValues(values: unknown[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value !== 'string' || value.charCodeAt(0) !== MARK) continue;
    (out ??= values.slice())[i] = decodeString(value);
  }
  return out ?? values;
}

function decodeString(value: string): unknown {
  const second = value.charCodeAt(1);
  if (second === MARK) return value.slice(1);
  if (second !== OPEN_BRACE && second !== OPEN_BRACKET) return value;
  try {
    return parseFrame(value.slice(1));
  } catch {
    return value;
  }
}

/**
 * JSON text with every object's keys sorted (arrays keep their order), BigInt-safe: equal values give equal text
 * whatever order their keys were set in. Used where a fields grouping hashes values.
 */
export function canonicalJson(value: unknown): string | undefined {
  return stringifyMessage(typeof value === 'object' && value !== null ? sortKeys(value) : value);
}

function sortKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const json = (value as { toJSON?: unknown }).toJSON;
  if (typeof json === 'function') return sortKeys((json as () => unknown).call(value));
  if (Array.isArray(value)) return value.map(sortKeys);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}
