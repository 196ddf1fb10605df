/**
 * Start positions and client options: reader (2 tasks, RedisStreamSpout on "in") → sink (RedisStreamBolt to "out",
 * each entry carrying its source id). The conf keys `test.reader.options` and `test.sink.options` add options to
 * each (startPosition, clientOptions, …), so one topology serves every case; the reader logs its consumer name
 * with its pid, so a test can kill a task and watch its restart.
 */
import { Topology } from 'squall';
import type { Conf, TopologyContext } from 'squall';
import { RedisStreamBolt, RedisStreamSpout } from 'squall/redis';
import type { RedisStreamBoltOptions, RedisStreamSpoutOptions } from 'squall/redis';

class Reader extends RedisStreamSpout {
  static override options: RedisStreamSpoutOptions = { stream: 'in', toTuple: (entry) => [entry.id, entry.fields.seq] };
  override async initialize(conf: Conf, context: TopologyContext): Promise<void> {
    Object.assign(this.options, conf['test.reader.options'] ?? {});
    await super.initialize(conf, context);
  }
}

class Sink extends RedisStreamBolt {
  static override options: RedisStreamBoltOptions = { stream: 'out' };
  override async initialize(conf: Conf, context: TopologyContext): Promise<void> {
    Object.assign(this.options, conf['test.sink.options'] ?? {});
    await super.initialize(conf, context);
  }
}

const topology = new Topology('redis-start', { 'topology.message.timeout.secs': 5 });
const reader = topology.spout('reader', Reader, { parallelism: 2, outputs: { default: ['id', 'seq'] } });
topology.bolt('sink', Sink).shuffle(reader);
export default topology;
