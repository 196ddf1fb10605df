/**
 * Objects and arrays in tuples, across two workers. The spout emits nested values (a long beyond 2^53 inside, key
 * orders that differ between equal values, a string that starts with the encoding's mark) over every grouping;
 * each squall bolt rebuilds what it should have received and reports whether it got exactly that, and the Python
 * bolt (nested_consumer.py) decodes what squall sent it and does the same.
 */
import { isDeepStrictEqual } from 'node:util';
import { Bolt, Spout, Topology, shell } from 'squall';
import type { Tuple } from 'squall';

const COUNT = 30;

/** The values of tuple n, keys in one order or the other (equal values all the same). */
export function valuesOf(n: number, reversed = n % 2 === 1): unknown[] {
  const nested = { x: n, big: 9007199254740993n + BigInt(n), deeper: [{ y: [n, null, true, 'é'] }] };
  const record = reversed ? { nested, tags: ['a', 'b'], id: n } : { id: n, tags: ['a', 'b'], nested };
  const group = reversed ? { tags: ['g', n % 3], kind: n % 3 } : { kind: n % 3, tags: ['g', n % 3] };
  return [record, group, n, `\u001euser text ${n}`, [['list'], n]];
}

class Records extends Spout {
  private n = 0;
  override nextTuple(): void {
    if (this.n < COUNT) this.emit(valuesOf(this.n), { id: this.n++ });
  }
}

/** Reports [n, verdict, group]: "ok" when the tuple is deep-equal to what the spout emitted. */
class Check extends Bolt {
  override process(tuple: Tuple): void {
    const n = tuple.values[2] as number;
    const ok = isDeepStrictEqual(tuple.values, valuesOf(n));
    this.emit([n, ok ? 'ok' : `bad: ${String(tuple.values.map((v) => typeof v))}`, tuple.values[1]]);
  }
}

const topology = new Topology('nested', { 'topology.workers': 2, 'topology.message.timeout.secs': 10 });
const outputs = { default: ['record', 'group', 'n', 'text', 'list'] } as const;
const records = topology.spout('records', Records, { outputs });
const report = { outputs: { default: ['n', 'verdict', 'group'] }, parallelism: 2 } as const;
topology.bolt('byfields', Check, report).fields(records, ['group']);
topology.bolt('byshuffle', Check, report).shuffle(records);
topology.bolt('byall', Check, report).all(records);
topology.bolt('bylocal', Check, report).localOrShuffle(records);
topology.bolt('byglobal', Check, report).global(records);
topology.bolt('bynone', Check, report).none(records);
topology.bolt('python', shell('python3', 'nested_consumer.py'), { outputs: { default: ['n', 'verdict'] }, parallelism: 2 }).fields(records, ['record']);
topology.resource('multilang.py');
export default topology;
