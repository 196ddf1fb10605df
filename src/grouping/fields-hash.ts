/**
 * Which task a fields grouping picks, computed as a Storm worker computes it: `TupleUtils.chooseTaskIndex` is
 * `Math.floorMod(Arrays.deepHashCode(groupingValues), numTasks)` over the Java objects the multi-lang JSON parser
 * made of the values (Storm 2.6+ uses json-smart: String, Integer when the number fits an int, else Long, Double,
 * Boolean, null, JSONArray (an ArrayList), JSONObject (a HashMap)). The embedded runtime groups with it, so a key
 * lands on the same task index as on a cluster, and `squall doctor` uses it to know how keys would spread over any
 * other task count.
 */

/** `Arrays.deepHashCode` of the grouping values, as a 32-bit signed int. */
export function javaListHash(values: readonly unknown[]): number {
  let hash = 1;
  for (const v of values) hash = (Math.imul(31, hash) + javaHashCode(v)) | 0;
  return hash;
}

/** The task index (0-based) among `numTasks`: `Math.floorMod(hash, numTasks)`. */
export function taskIndex(hash: number, numTasks: number): number {
  return ((hash % numTasks) + numTasks) % numTasks;
}

/** `hashCode()` of the Java object json-smart makes of a JSON value. */
export function javaHashCode(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return stringHash(value);
    case 'number':
      return numberHash(value);
    case 'bigint':
      return longHash(BigInt.asIntN(64, value));
    case 'boolean':
      return value ? 1231 : 1237;
    case 'object': {
      if (value === null) return 0;
      if (Array.isArray(value)) return javaListHash(value); // ArrayList.hashCode
      // HashMap.hashCode: the sum of key.hashCode() ^ value.hashCode() over its entries (order does not matter).
      let hash = 0;
      for (const [k, v] of Object.entries(value)) hash = (hash + (stringHash(k) ^ javaHashCode(v))) | 0;
      return hash;
    }
    default:
      return 0;
  }
}

/** `String.hashCode`: 31-based over UTF-16 code units, as JavaScript strings are. */
function stringHash(s: string): number {
  let hash = 0;
  for (let i = 0; i < s.length; i++) hash = (Math.imul(31, hash) + s.charCodeAt(i)) | 0;
  return hash;
}

function numberHash(n: number): number {
  if (Number.isInteger(n)) {
    if (n >= -2147483648 && n <= 2147483647) return n | 0; // Integer.hashCode
    if (Number.isSafeInteger(n)) return longHash(BigInt(n));
  }
  // Double.hashCode: the bits of the double, high word XOR low word.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, n);
  return (view.getInt32(0) ^ view.getInt32(4)) | 0;
}

/** `Long.hashCode`: (int) (value ^ (value >>> 32)). */
function longHash(v: bigint): number {
  const bits = BigInt.asUintN(64, v);
  return Number(BigInt.asIntN(32, bits ^ (bits >> 32n)));
}
