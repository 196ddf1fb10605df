/**
 * Mapping both ways: reader maps entries with `toTuple` (throwing on an "unmappable" body, which parks the entry in
 * the dead-letter stream), and the sink picks a stream per tuple (`out-0` / `out-1` by seq parity), builds its own
 * entry with `toEntry`, and trims each stream with MAXLEN ~ 10.
 */
import { Topology } from 'squall';
import { RedisStreamBolt, RedisStreamSpout } from 'squall/redis';
import type { RedisStreamBoltOptions, RedisStreamSpoutOptions, StreamEntry } from 'squall/redis';

class Reader extends RedisStreamSpout {
  static override options: RedisStreamSpoutOptions = {
    stream: 'in',
    toTuple: (entry: StreamEntry) => {
      if (entry.fields.body === 'unmappable') throw new Error('unmappable entry');
      return [entry.id, Number(entry.fields.seq)];
    },
  };
}

class Sink extends RedisStreamBolt {
  static override options: RedisStreamBoltOptions = {
    stream: (tuple) => `out-${Number(tuple.get('seq')) % 2}`,
    toEntry: (tuple) => ({ n: tuple.get('seq'), from: tuple.get('id') }),
    maxLen: 10,
  };
}

const topology = new Topology('redis-sink', { 'topology.message.timeout.secs': 5 });
const reader = topology.spout('reader', Reader, { outputs: { default: ['id', 'seq'] } });
topology.bolt('sink', Sink).shuffle(reader);
export default topology;
