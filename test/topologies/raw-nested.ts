/**
 * A Python spout that emits raw nested JSON (a dict inside the tuple), grouped by that value to a squall bolt with
 * two tasks. With two workers the tuple crosses to the other worker as json-smart's JSONObject, which Kryo refuses.
 */
import { Bolt, Topology, shell } from 'squall';
import type { Tuple } from 'squall';

/** Reports [n, JSON of the record]: a raw nested value arrives as an object. */
class Sink extends Bolt {
  override process(tuple: Tuple): void {
    const record = tuple.values[0] as { n: number };
    this.emit([record.n, JSON.stringify(record)]);
  }
}

const topology = new Topology('raw-nested', { 'topology.workers': 2, 'topology.message.timeout.secs': 5 });
const raw = topology.spout('raw', shell('python3', 'raw_nested_spout.py'), { outputs: { default: ['record'] } });
topology.bolt('sink', Sink, { outputs: { default: ['n', 'json'] }, parallelism: 2 }).fields(raw, ['record']);
topology.resource('multilang.py');
export default topology;
